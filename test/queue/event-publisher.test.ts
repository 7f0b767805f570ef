/**
 * A run's progress events on their way to the clients (src/queue/events.ts): in the order the run
 * made them, a burst in one statement, a failed write counted and never blocking the ones after
 * it. Real PostgreSQL; skipped cleanly without PLANGRAPH_TEST_DATABASE_URL.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunEventPublisher, readEvents } from "../../src/queue/events.js";
import { ensureQueue, queueNames } from "../../src/queue/store.js";
import type { RunEvent } from "../../src/engine/scheduler.js";
import { dropSchema, testSchema, url } from "./support/queue-db.js";

const schema = testSchema("events");
const names = queueNames(schema);
const started = (step: string): RunEvent => ({ type: "step_started", step, tool: "echo", at_ms: 0 }) as unknown as RunEvent;

/** The pool, counting the statements that write events, and failing the next `failNext` of them. */
function countingPool(pool: pg.Pool) {
  const counter = { writes: 0, failNext: 0 };
  const query = ((text: string, values?: unknown[]) => {
    if (text.includes(`INSERT INTO ${names.events}`)) {
      counter.writes++;
      if (counter.failNext > 0) {
        counter.failNext--;
        return Promise.reject(new Error("connection reset (injected)"));
      }
    }
    return pool.query(text, values);
  }) as pg.Pool["query"];
  return { pool: { query }, counter };
}

describe.skipIf(!url)("run event publisher", () => {
  const pool = url ? new pg.Pool({ connectionString: url, max: 2 }) : undefined;
  beforeAll(() => ensureQueue(pool!, names));
  afterAll(async () => {
    await pool?.end();
    await dropSchema(schema);
  });

  it("writes a burst of events in the order they were made, the ones made during a write in the next statement", async () => {
    const { pool: counted, counter } = countingPool(pool!);
    const publisher = new RunEventPublisher(counted, names, "run-burst");
    const steps = Array.from({ length: 50 }, (_, i) => `s${i}`);
    for (const step of steps) publisher.publish(started(step));
    await publisher.flush();
    const read = await readEvents(pool!, names, "run-burst", 0);
    expect(read.map((item) => (item.event as unknown as { step: string }).step)).toEqual(steps);
    // The first event goes out alone; the 49 published while it was out go together.
    expect(counter.writes).toBe(2);
    expect(publisher.dropped).toBe(0);
  });

  it("counts the events of a failed write as dropped and still writes the ones after them", async () => {
    const { pool: counted, counter } = countingPool(pool!);
    const publisher = new RunEventPublisher(counted, names, "run-drop");
    counter.failNext = 1;
    publisher.publish(started("lost"));
    publisher.publish(started("kept1"));
    publisher.publish(started("kept2"));
    await publisher.flush();
    expect(publisher.dropped).toBe(1);
    const read = await readEvents(pool!, names, "run-drop", 0);
    expect(read.map((item) => (item.event as unknown as { step: string }).step)).toEqual(["kept1", "kept2"]);
  });

  it("notifies the run's listeners once per statement, with the run id as the payload", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const heard: string[] = [];
    client.on("notification", (message) => heard.push(message.payload ?? ""));
    await client.query(`LISTEN "${names.eventsChannel}"`);
    try {
      const publisher = new RunEventPublisher(pool!, names, "run-notify");
      for (let i = 0; i < 5; i++) publisher.publish(started(`n${i}`));
      await publisher.flush();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard.length).toBe(2);
      expect(new Set(heard)).toEqual(new Set(["run-notify"]));
    } finally {
      await client.end();
    }
  });

  it("flush with nothing published returns at once", async () => {
    const publisher = new RunEventPublisher(pool!, names, "run-empty");
    await publisher.flush();
    expect(await readEvents(pool!, names, "run-empty", 0)).toEqual([]);
  });
});
