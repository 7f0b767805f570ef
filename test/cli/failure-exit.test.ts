import { describe, expect, it } from "vitest";
import { reportFailure } from "../../src/cli/failure.js";
import { PlangraphError } from "../../src/model/errors.js";

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } as never };
}

describe("cli: the exit code of an error that stops a command", () => {
  it("is 2 for a refusal before anything ran (invalid input, a busy thread)", () => {
    for (const code of ["PLAN_INVALID", "USAGE", "THREAD_BUSY", "DATABASE_UNUSABLE"] as const) {
      expect(reportFailure(new PlangraphError(code, "refused"), io().io, false)).toBe(2);
    }
  });

  it("is 1 for a run that failed after it had started (its checkpointer or durable store broke, its lease was lost)", () => {
    for (const code of ["CHECKPOINT_FAILED", "STORE_FAILED", "STORE_WRITE_FAILED", "THREAD_LEASE_LOST"] as const) {
      const sink = io();
      expect(reportFailure(new PlangraphError(code, "the database went away"), sink.io, true)).toBe(1);
      expect(JSON.parse(sink.out.join(""))).toEqual({ error: expect.objectContaining({ code }) });
    }
  });
});
