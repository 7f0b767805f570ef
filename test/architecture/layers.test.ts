import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("the layering of src/, tools/ and graphs/ (.dependency-cruiser.cjs)", () => {
  it("has no import that points up a layer, no cycle, and no LangGraph in the pure layers", () => {
    let output = "";
    try {
      output = execFileSync(process.execPath, ["node_modules/dependency-cruiser/bin/dependency-cruise.mjs", "src", "tools", "graphs", "--config", ".dependency-cruiser.cjs", "--output-type", "err"], {
        cwd: root,
        encoding: "utf8",
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).not.toMatch(/error/);
    expect(output).toMatch(/no dependency violations found/);
  }, 120_000);
});
