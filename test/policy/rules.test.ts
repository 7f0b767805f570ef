/**
 * The policy's rules (issue 15, "Policy"), as pure functions: which tools a caller's roles allow,
 * which calls pause for approval, who may approve, and how a policy file is validated.
 */
import { describe, expect, it } from "vitest";
import { isPlangraphError } from "../../src/model/errors.js";
import { checkPlanTools, DEFAULT_POLICY, parsePolicy, requireApprover, toolVerdict } from "../../src/policy/index.js";

const read = { name: "ci_search", sideEffects: false };
const write = { name: "set_maintenance", sideEffects: true };

function codeOf(run: () => unknown): { code: string; message: string; path?: string | undefined; step?: string | undefined } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!isPlangraphError(error)) throw error;
    return { code: error.code, message: error.message, path: error.path, step: error.step };
  }
}

describe("the default policy", () => {
  it("lets a viewer call read-only tools only", () => {
    expect(toolVerdict(DEFAULT_POLICY, ["viewer"], read)).toEqual({ allowed: true, approval: false, role: "viewer" });
    expect(toolVerdict(DEFAULT_POLICY, ["viewer"], write)).toEqual({ allowed: false, roles: ["viewer"] });
  });

  it("lets an operator call side-effecting tools, each call pausing for approval", () => {
    expect(toolVerdict(DEFAULT_POLICY, ["operator"], write)).toEqual({ allowed: true, approval: true, role: "operator" });
    expect(toolVerdict(DEFAULT_POLICY, ["operator"], read)).toEqual({ allowed: true, approval: false, role: "operator" });
  });

  it("lets an admin call everything without approval", () => {
    expect(toolVerdict(DEFAULT_POLICY, ["admin"], write)).toEqual({ allowed: true, approval: false, role: "admin" });
  });

  it("takes the most permissive of several roles: operator and admin together need no approval", () => {
    expect(toolVerdict(DEFAULT_POLICY, ["operator", "admin"], write)).toMatchObject({ allowed: true, approval: false, role: "admin" });
  });

  it("allows nothing to a role it does not define, or to a caller with no role", () => {
    expect(toolVerdict(DEFAULT_POLICY, ["guest"], read).allowed).toBe(false);
    expect(toolVerdict(DEFAULT_POLICY, [], read).allowed).toBe(false);
    expect(toolVerdict(DEFAULT_POLICY, ["__proto__", "constructor"], read).allowed).toBe(false);
  });
});

describe("checking a plan's steps", () => {
  it("refuses the first step whose tool the roles do not allow, naming the step, the tool and the role", () => {
    const refusal = codeOf(() => checkPlanTools(DEFAULT_POLICY, ["viewer"], [{ step: "look", tool: read }, { step: "fix", tool: write }]));
    expect(refusal).toEqual({ code: "TOOL_NOT_ALLOWED", step: "fix", path: undefined, message: "step 'fix': tool 'set_maintenance' (side-effecting) is not allowed for role 'viewer'" });
  });

  it("lists the steps the policy makes pause for approval", () => {
    expect(checkPlanTools(DEFAULT_POLICY, ["operator"], [{ step: "look", tool: read }, { step: "fix", tool: write }])).toEqual({ approval: ["fix"] });
  });

  it("matches tools by name, and a role's deny wins over its allow", () => {
    const policy = parsePolicy({
      roles: { oncall: { allow: ["read_only", "set_maintenance"], deny: ["ci_search"], approval: ["set_maintenance"] } },
      approvers: { roles: ["oncall"] },
    });
    expect(toolVerdict(policy, ["oncall"], write)).toEqual({ allowed: true, approval: true, role: "oncall" });
    expect(toolVerdict(policy, ["oncall"], read).allowed).toBe(false);
    expect(toolVerdict(policy, ["oncall"], { name: "restart", sideEffects: true }).allowed).toBe(false);
    expect(toolVerdict(policy, ["oncall"], { name: "ci_graph", sideEffects: false }).allowed).toBe(true);
  });
});

describe("who may approve", () => {
  it("refuses an approval by a user without an approver role, naming the step, the user and the roles", () => {
    expect(codeOf(() => requireApprover(DEFAULT_POLICY, { user: "vic", roles: ["viewer"] }, "fix", "olga"))).toMatchObject({
      code: "APPROVER_NOT_ALLOWED",
      step: "fix",
      message: "step 'fix': user 'vic' (roles 'viewer') may not approve; approvers need one of the roles 'admin', 'operator'",
    });
    expect(codeOf(() => requireApprover(DEFAULT_POLICY, { user: "oscar", roles: ["operator"] }, "fix", "olga"))).toBeUndefined();
  });

  it("with approver_not_starter, refuses the run's starter, and anyone when the starter is not on record", () => {
    const policy = parsePolicy({ roles: { operator: { allow: ["*"] } }, approvers: { roles: ["operator"], approver_not_starter: true } });
    expect(codeOf(() => requireApprover(policy, { user: "olga", roles: ["operator"] }, "fix", "olga"))?.message).toContain("user 'olga' started the run");
    expect(codeOf(() => requireApprover(policy, { user: "oscar", roles: ["operator"] }, "fix", undefined))?.message).toContain("the run's starter is not on record");
    expect(codeOf(() => requireApprover(policy, { user: "oscar", roles: ["operator"] }, "fix", "olga"))).toBeUndefined();
  });
});

describe("a policy file is validated", () => {
  it.each([
    [{ roles: { viewer: { allow: "read_only" } }, approvers: { roles: ["viewer"] } }, "roles.viewer.allow"],
    [{ roles: { viewer: { allow: ["read_only"], alow: [] } }, approvers: { roles: ["viewer"] } }, "roles.viewer"],
    [{ roles: {} }, "approvers"],
    [{ roles: { a: {} }, approvers: { roles: [] } }, "approvers.roles"],
    [{ roles: { a: {} }, approvers: { roles: ["a"] }, limits: { tenants: { acme: { runs_per_minute: 0 } } } }, "limits.tenants.acme.runs_per_minute"],
    [{ roles: { a: {} }, approvers: { roles: ["a"] }, limits: { default: { max_concurrent_runs: 1.5 } } }, "limits.default.max_concurrent_runs"],
    [{ roles: { a: {} }, approvers: { roles: ["b"] } }, "approvers.roles[0]"],
    [{ roles: { a: {} }, approvers: { roles: ["a"] }, version: 2 }, "version"],
  ])("refuses %j with POLICY_INVALID naming %s", (input, field) => {
    const refusal = codeOf(() => parsePolicy(input, "policy.json"));
    expect(refusal?.code).toBe("POLICY_INVALID");
    expect(refusal?.path).toBe(field);
    expect(refusal?.message.startsWith(`policy.json: ${field}: `)).toBe(true);
  });
});
