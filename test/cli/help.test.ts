import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS, GLOBAL_OPTIONS } from "../../src/cli/options.js";
import { runCli } from "./support.js";

const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
/** Help text joins wrapped lines; compare sentences with their whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

describe("cli: --help explains every command and option", () => {
  it("answers `run --help` with exit 0 and run's usage, without needing a plan", async () => {
    const { code, out, err } = await runCli(["run", "--help"]);
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toContain("usage: plangraph run <plan.json>");
    expect(out).not.toMatch(/ERR_PARSE_ARGS|Unknown option/);
  });

  for (const [name, spec] of Object.entries(COMMANDS)) {
    it(`explains every option of '${name}', with its sentence, under '${name} --help' and 'help ${name}'`, async () => {
      for (const argv of [[name, "--help"], ["help", name]]) {
        const { code, out } = await runCli(argv);
        expect(code, argv.join(" ")).toBe(0);
        for (const [flag, option] of Object.entries({ ...spec.options, ...GLOBAL_OPTIONS })) {
          expect(out, `--${flag}`).toContain(`--${flag}`);
          expect(flat(out), `--${flag}'s help`).toContain(flat(option.help));
          expect(option.help.length, `--${flag} has a real explanation`).toBeGreaterThan(15);
        }
      }
    });
  }

  it("lists every command with its summary under --help and with no arguments", async () => {
    for (const argv of [["--help"], []]) {
      const { code, out } = await runCli(argv);
      expect(code).toBe(0);
      for (const [name, spec] of Object.entries(COMMANDS)) expect(flat(out)).toContain(`${name} ${flat(spec.summary)}`);
      expect(out).toMatch(/exit codes: 0 completed/);
    }
  });

  it("prints the package version for --version, alone or after a command", async () => {
    for (const argv of [["--version"], ["run", "--version"]]) {
      const { code, out } = await runCli(argv);
      expect(code).toBe(0);
      expect(out).toBe(`${version}\n`);
    }
  });
});

describe("cli: usage errors say what was meant", () => {
  it("suggests --json for --jsn, naming the command, with exit 2 and nothing on stdout", async () => {
    const { code, out, err } = await runCli(["run", "plan.json", "--jsn"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain("'run' has no option '--jsn' (did you mean '--json'?)");
    expect(err).toContain("plangraph run --help");
  });

  it("suggests the nearest command for a misspelt one", async () => {
    const { code, err } = await runCli(["valdate", "plan.json"]);
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'valdate' (did you mean 'validate'?)");
  });

  it("names the command that has an option used on the wrong one", async () => {
    const { code, err } = await runCli(["validate", "plan.json", "--approve", "x"]);
    expect(code).toBe(2);
    expect(err).toContain("'validate' has no option '--approve'");
    expect(err).toContain("it is an option of 'resume'");
  });

  it("says which value an option needs instead of Node's raw parser message", async () => {
    const { code, err } = await runCli(["run", "plan.json", "--tools"]);
    expect(code).toBe(2);
    expect(err).toContain("--tools needs a value: --tools <module>");
    expect(err).not.toMatch(/ERR_PARSE_ARGS/);
  });

  it("refuses --restart without a thread", async () => {
    const { code, err } = await runCli(["run", "plan.json", "--restart"]);
    expect(code).toBe(2);
    expect(err).toContain("--restart needs --thread");
  });

  it("prints a usage error as a JSON error object on stdout under --json", async () => {
    const { code, out } = await runCli(["run", "--json", "--jsn"]);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toEqual({ error: { code: "USAGE", message: expect.stringContaining("did you mean '--json'") } });
  });
});
