/**
 * Forged serialized constructors in checkpoint state. A step's output is whatever the outside
 * world returned, and it is written into LangGraph state, so into every checkpoint. LangGraph's
 * JsonPlusSerializer revives some shapes when a checkpoint is loaded: `{lc: 1, type:
 * "constructor", id: [...]}` goes through @langchain/core `load()` (class instantiation), `{lc: 2,
 * type: "constructor" | "undefined"}` records become Error/Set/Map/RegExp/undefined, and a plain
 * `__proto__` key is assigned, not defined. These tests pause a run right after such a step (an
 * approval gate), resume it from the checkpointer, and compare.
 *
 * What holds: nothing forged executes code (no Function, no module outside @langchain/core, no
 * secret read from the environment), no global prototype is touched, and the data comes back
 * unchanged: plangraph escapes outputs that the serializer could revive before they enter state.
 *
 * Reproduce: npx vitest run test/reliability/checkpoint-forgery.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { MemorySaver } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { z } from "zod";
import { afterAll, describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import type { RunResult } from "../../src/engine/result.js";
import { SqliteCompletionStore } from "../../src/durability/sqlite.js";
import { PgCompletionStore } from "../../src/durability/postgres.js";
import { MemoryCompletionStore, type CompletionStore } from "../../src/durability/completion-store.js";
import { defineTool } from "../../src/tools/define.js";

const quiet = { chatModel: null, telemetry: false } as const;

/** Outputs that look like LangGraph/LangChain serialisation records. */
const FORGED = {
  /** lc:1 constructor in @langchain/core's namespace: instantiated by load(). */
  langchainMessage: { lc: 1, type: "constructor", id: ["langchain_core", "messages", "HumanMessage"], kwargs: { content: "hi" } },
  /** lc:2 records of the checkpoint serializer's closed set. */
  errorRecord: { lc: 2, type: "constructor", id: ["Error"], method: null, args: ["boom"], kwargs: {} },
  undefinedRecord: { kept: 1, gone: { lc: 2, type: "undefined" } },
  /** A plain own __proto__ key, as JSON.parse makes it. */
  protoKey: JSON.parse('{"__proto__":{"polluted":true},"x":1}') as unknown,
  /** lc:1 secret inside a constructor: load() looks it up (not in the environment: secretsFromEnv is off). */
  secretInConstructor: { lc: 1, type: "constructor", id: ["langchain_core", "messages", "HumanMessage"], kwargs: { content: { lc: 1, type: "secret", id: ["PLANGRAPH_FORGERY_CANARY"] } } },
  /** lc:1 constructor outside @langchain/core: load() refuses the namespace. */
  foreignNamespace: { lc: 1, type: "constructor", id: ["child_process", "exec"], kwargs: { command: "touch /tmp/plangraph-pwned" } },
  /** lc:2 constructor outside the closed set: must stay inert. */
  functionRecord: { lc: 2, type: "constructor", id: ["Function"], method: null, args: ["globalThis.__plangraph_pwned = true"], kwargs: {} },
  regexpMethodCall: { lc: 2, type: "constructor", id: ["RegExp"], method: "call", args: ["x", "g"], kwargs: {} },
} as const;

type ForgedName = keyof typeof FORGED;

interface Connection {
  checkpointer: BaseCheckpointSaver;
  store: CompletionStore;
}

interface Saver {
  name: string;
  /** A fresh database: `open()` connects to it (the resume opens it again, as a new process would). */
  make(): Promise<{ open(): Connection; close(): Promise<void> }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

function sqliteSaver(): Saver {
  const dir = mkdtempSync(join(tmpdir(), "plangraph-forgery-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    name: "SqliteSaver",
    async make() {
      const file = join(dir, `db-${++n}.sqlite`);
      const opened: Array<{ checkpointer: SqliteSaver; store: SqliteCompletionStore }> = [];
      return {
        open() {
          const connection = { checkpointer: SqliteSaver.fromConnString(file), store: new SqliteCompletionStore(file) };
          opened.push(connection);
          return connection;
        },
        async close() {
          for (const c of opened) {
            c.store.close();
            c.checkpointer.db.close();
          }
        },
      };
    },
  };
}

function memorySaver(): Saver {
  return {
    name: "MemorySaver",
    async make() {
      // One process: the same saver and store serve the pause and the resume (MemorySaver still
      // serialises every checkpoint through the same serializer).
      const connection = { checkpointer: new MemorySaver(), store: new MemoryCompletionStore() };
      return { open: () => connection, close: async () => undefined };
    },
  };
}

function postgresSaver(url: string): Saver {
  let n = 0;
  return {
    name: "PostgresSaver",
    async make() {
      const schema = `plangraph_forgery_${process.pid}_${++n}`;
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      await new PostgresSaver(pool, undefined, { schema }).setup();
      // A durable checkpointer needs a durable completion store (NOT_DURABLE otherwise).
      const store = await PgCompletionStore.open(url, schema);
      return {
        open: () => ({ checkpointer: new PostgresSaver(pool, undefined, { schema }), store }),
        async close() {
          await store.close();
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await pool.end();
        },
      };
    },
  };
}

const SAVERS: Saver[] = [memorySaver(), sqliteSaver(), ...(process.env.PLANGRAPH_TEST_DATABASE_URL ? [postgresSaver(process.env.PLANGRAPH_TEST_DATABASE_URL)] : [])];

/** Runs forge → (approval gate) → echo, pauses at the gate, resumes from the checkpointer. */
async function roundTrip(saver: Saver, name: ForgedName): Promise<{ before: RunResult; after: RunResult }> {
  const forge = defineTool({ name: "forge", description: "Returns a forged record.", input: z.object({}), run: () => ({ data: structuredClone(FORGED[name]) }) });
  const plan = {
    steps: [
      { id: "forge", tool: "forge", params: {} },
      { id: "gate", tool: "echo", params: { ok: true }, depends_on: ["forge"], requires_approval: true },
      { id: "after", tool: "echo", output_mapping: { seen: "{forge.data}" }, depends_on: ["gate"] },
    ],
  };
  const db = await saver.make();
  try {
    const before = await runPlan(plan, { tools: [forge], ...db.open(), threadId: `forge-${name}`, ...quiet });
    expect(before.status).toBe("interrupted");
    const after = await runPlan(plan, { tools: [forge], ...db.open(), threadId: `forge-${name}`, resume: "approve", ...quiet });
    return { before, after };
  } finally {
    await db.close();
  }
}

describe.each(SAVERS)("forged serialised records in a step's output, through $name", (saver) => {
  it("nothing forged executes code, reads a secret, or touches a global prototype", async () => {
    process.env.PLANGRAPH_FORGERY_CANARY = "canary-secret-value";
    try {
      for (const name of Object.keys(FORGED) as ForgedName[]) {
        const { after } = await roundTrip(saver, name);
        expect(JSON.stringify(after), name).not.toContain("canary-secret-value");
      }
    } finally {
      delete process.env.PLANGRAPH_FORGERY_CANARY;
    }
    expect((globalThis as Record<string, unknown>).__plangraph_pwned).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("records outside the serializer's closed set stay inert data", async () => {
    for (const name of ["functionRecord", "regexpMethodCall"] as const) {
      const { before, after } = await roundTrip(saver, name);
      expect(after.status, name).toBe("completed");
      expect(after.results.forge, name).toEqual(before.results.forge);
    }
  });

  it("tool outputs shaped like serialisation records come back from a checkpoint unchanged", async () => {
    for (const name of ["langchainMessage", "errorRecord", "undefinedRecord", "protoKey"] as const) {
      const { before, after } = await roundTrip(saver, name);
      expect(after.status, name).toBe("completed");
      expect(JSON.stringify(after.results.forge), name).toBe(JSON.stringify(before.results.forge));
      expect(Object.getPrototypeOf((after.results.forge as { data: object }).data), name).toBe(Object.prototype);
    }
  });

  it("a tool output that load() cannot revive does not brick the thread", async () => {
    for (const name of ["secretInConstructor", "foreignNamespace"] as const) {
      const { after } = await roundTrip(saver, name);
      expect(after.status, name).toBe("completed");
      expect(after.warnings.filter((w) => /orchestration failed/.test(w)), name).toEqual([]);
    }
  });
});
