/**
 * The official checkpointer conformance suite against PostgresSaver 1.0.5 (the checkpointer the
 * CLI uses when DATABASE_URL is set). Needs PLANGRAPH_TEST_DATABASE_URL; each checkpointer gets a
 * schema of its own, dropped afterwards, so runs never see each other's rows.
 */
import pg from "pg";
import { describe, it } from "vitest";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { defineValidationSuite } from "./support/validation.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;

if (!url) {
  describe("PostgresSaver conformance", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph, see .ci/postgres.sh)", () => {});
  });
} else {
  let n = 0;
  const schemas = new WeakMap<PostgresSaver, { schema: string; pool: pg.Pool }>();
  await defineValidationSuite<PostgresSaver>({
    checkpointerName: "PostgresSaver",
    createCheckpointer: async () => {
      const schema = `plangraph_validate_${process.pid}_${++n}`;
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      const saver = new PostgresSaver(pool, undefined, { schema });
      await saver.setup();
      schemas.set(saver, { schema, pool });
      return saver;
    },
    destroyCheckpointer: async (saver) => {
      const entry = schemas.get(saver)!;
      await entry.pool.query(`DROP SCHEMA IF EXISTS "${entry.schema}" CASCADE`);
      await entry.pool.end();
    },
  });
}
