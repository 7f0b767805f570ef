/**
 * A worker in its own process, for the queue trials: `node --import tsx worker-main.ts`, configured
 * by QUEUE_URL, QUEUE_SCHEMA, QUEUE_LEASE_MS, QUEUE_WORKER_ID. Prints `ready <id>` once it takes
 * runs; SIGTERM drains it. Its tools: the built-ins and `effect`.
 */
import { startWorker } from "../../../src/queue/index.js";
import { effectTool } from "./tools.js";

const controller = new AbortController();
process.on("SIGTERM", () => controller.abort());
const worker = await startWorker({
  databaseUrl: process.env.QUEUE_URL!,
  schema: process.env.QUEUE_SCHEMA!,
  leaseMs: Number(process.env.QUEUE_LEASE_MS ?? 2000),
  concurrency: Number(process.env.QUEUE_CONCURRENCY ?? 2),
  ...(process.env.QUEUE_WORKER_ID ? { workerId: process.env.QUEUE_WORKER_ID } : {}),
  planOptions: { tools: [effectTool] },
  ...(process.env.QUEUE_DRAIN_MS ? { drainMs: Number(process.env.QUEUE_DRAIN_MS) } : {}),
  signal: controller.signal,
});
process.stdout.write(`ready ${worker.id}\n`);
await worker.closed;
process.exit(0);
