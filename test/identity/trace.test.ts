/**
 * The caller's trace id joins the OpenTelemetry trace (issue 15, "Identity"): the run span names
 * the trace id, tenant and user the run was for, and nothing secret.
 */
import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { telemetrySetup } from "../telemetry/support.js";

describe("the run span says who the run was for", () => {
  it("carries plangraph.trace_id, plangraph.tenant and plangraph.user, and no roles", async () => {
    const { exporter, telemetry } = telemetrySetup();
    const caller = { tenant: "initech", user: "peter", roles: ["operator", "secret-role"], trace_id: "0af7651916cd43dd8448eb211c80319c", source: "library" as const };
    const result = await runPlan({ steps: [{ id: "a", tool: "echo" }] }, { caller, telemetry, chatModel: null });
    expect(result.context).toEqual(caller);
    const run = exporter.getFinishedSpans().find((s) => s.name === "plangraph.run")!;
    expect(run.attributes).toMatchObject({ "plangraph.trace_id": caller.trace_id, "plangraph.tenant": "initech", "plangraph.user": "peter" });
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain("secret-role");
  });
});
