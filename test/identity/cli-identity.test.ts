/**
 * The CLI's identity flags (issue 15): `--tenant`, `--user`, `--roles` say who a run is for; a
 * local user is trusted; a bad value is a usage error naming the flag; the policy's verdicts are
 * exit codes (a refused tool or approver: 2, nothing ran).
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main, type CliIO } from "../../src/cli/main.js";

const TOOLS = "test/identity/support/identity-tools.ts";
const dir = mkdtempSync(join(tmpdir(), "plangraph-cli-identity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), stderrIsTTY: false, stdinIsTTY: true, env, liveHandles: () => [] };
  const code = await main(argv, io);
  return { code, out, err };
}

function planFile(name: string, plan: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

const readOnly = planFile("read.json", { steps: [{ id: "who", tool: "whoami" }] });
const writing = planFile("write.json", { steps: [{ id: "who", tool: "whoami" }, { id: "note", tool: "write_note", params: { text: "hello" } }] });

describe("who a CLI run is for", () => {
  it("prints the context it ran under with run --json: the flags' tenant, user and roles", async () => {
    const r = await cli(["run", readOnly, "--tools", TOOLS, "--json", "--tenant", "globex", "--user", "ann", "--roles", "viewer,operator"]);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.context).toMatchObject({ tenant: "globex", user: "ann", roles: ["viewer", "operator"], source: "cli" });
    expect(result.results.who.caller).toEqual(result.context);
  });

  it("runs without flags as the trusted local user: tenant acme, user local, role admin", async () => {
    const r = await cli(["run", writing, "--tools", TOOLS, "--json"]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).context).toMatchObject({ tenant: "acme", user: "local", roles: ["admin"] });
  });

  it.each([
    [["--tenant", "Globex Corp"], /--tenant 'Globex Corp' is not a tenant id/],
    [["--roles", "viewer,,admin"], /--roles takes role names separated by commas .* an empty role/],
    [["--roles", "a b"], /--roles takes role names .* got 'a b'/],
    [["--user", "   "], /--user takes a user name/],
  ])("refuses %j as a usage error naming the flag (exit 2)", async (flags, message) => {
    const r = await cli(["run", readOnly, "--tools", TOOLS, ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("documents --tenant, --user and --roles in run, resume and validate --help", async () => {
    for (const command of ["run", "resume", "validate"]) {
      const r = await cli([command, "--help"]);
      expect(r.out).toMatch(/--tenant <id>/);
      expect(r.out).toMatch(/--user <name>/);
      expect(r.out).toMatch(/--roles <a,b>/);
    }
  });
});

describe("the policy at the CLI", () => {
  it("refuses a viewer's plan that calls a write tool before anything runs: exit 2 naming the step, the tool and the role", async () => {
    const log = join(dir, "viewer.jsonl");
    process.env.IDENTITY_LOG = log;
    try {
      const r = await cli(["run", writing, "--tools", TOOLS, "--roles", "viewer"]);
      expect(r.code).toBe(2);
      expect(r.err).toContain("error TOOL_NOT_ALLOWED (step 'note'): step 'note': tool 'write_note' (side-effecting) is not allowed for role 'viewer'");
      expect(existsSync(log)).toBe(false);
      const v = await cli(["validate", writing, "--tools", TOOLS, "--roles", "viewer"]);
      expect(v.code).toBe(2);
      expect(v.err).toContain("TOOL_NOT_ALLOWED");
    } finally {
      delete process.env.IDENTITY_LOG;
    }
  });

  it("pauses an operator's write step for approval, refuses a viewer's approval, and runs it once on an operator's", async () => {
    const db = join(dir, "approvals.sqlite");
    const log = join(dir, "operator.jsonl");
    process.env.IDENTITY_LOG = log;
    try {
      const run = await cli(["run", writing, "--tools", TOOLS, "--json", "--thread", "op", "--db", db, "--user", "olga", "--roles", "operator"]);
      expect(run.code, run.err).toBe(3);
      expect(JSON.parse(run.out).pending).toEqual([{ step: "note", tool: "write_note", params: { text: "hello" } }]);
      const denied = await cli(["resume", "--thread", "op", "--db", db, "--tools", TOOLS, "--approve", "note", "--user", "vic", "--roles", "viewer"]);
      expect(denied.code).toBe(2);
      expect(denied.err).toContain("APPROVER_NOT_ALLOWED");
      expect(denied.err).toContain("user 'vic' (roles 'viewer') may not approve");
      const approved = await cli(["resume", "--thread", "op", "--db", db, "--tools", TOOLS, "--json", "--approve", "note", "--user", "oscar", "--roles", "operator"]);
      expect(approved.code, approved.err).toBe(0);
      const calls = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { step: string; user: string });
      expect(calls.filter((c) => c.step === "note")).toEqual([expect.objectContaining({ step: "note", user: "oscar" })]);
    } finally {
      delete process.env.IDENTITY_LOG;
    }
  });

  it("reads the policy from PLANGRAPH_POLICY and refuses a bad one before anything runs, naming the field", async () => {
    const bad = join(dir, "bad-policy.json");
    writeFileSync(bad, JSON.stringify({ roles: { viewer: { allow: ["read_only"], approve: true } }, approvers: { roles: ["viewer"] } }));
    const r = await cli(["run", readOnly, "--tools", TOOLS], { PLANGRAPH_POLICY: bad });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/POLICY_INVALID.*roles\.viewer: Unrecognized key: "approve"/);
    const strict = join(dir, "no-writes.json");
    writeFileSync(strict, JSON.stringify({ roles: { admin: { allow: ["read_only"] } }, approvers: { roles: ["admin"] } }));
    const refused = await cli(["run", writing, "--tools", TOOLS], { PLANGRAPH_POLICY: strict });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("tool 'write_note' (side-effecting) is not allowed for role 'admin'");
  });
});
