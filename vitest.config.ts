import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts", "tools/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Most of the suite waits on real processes, servers and databases rather than computing, so
    // two files at once pay on two cores too (vitest's default there is one): 806 s → 514 s here.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // JSON beside the console output: .ci/run reads the counts from it.
    reporters: ["default", "json"],
    outputFile: { json: "test-artifacts/vitest.json" },
  },
});
