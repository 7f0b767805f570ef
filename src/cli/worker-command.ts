import { PlangraphError } from "../model/errors.js";
import { DEFAULT_LEASE_TTL_MS } from "../durability/lease.js";
import { DURABILITY_ENV, DURABILITY_MODES, durabilityFromEnv, type DurabilityMode } from "../durability/open.js";
import { chatModelFromEnv as chatModelFromEnvironment } from "../decide/model.js";
import { DEFAULT_QUEUE_SCHEMA, startWorker } from "../queue/index.js";
import type { CliIO } from "./io.js";
import { cliRegistry } from "./registry.js";
import { DATABASE_NOTE, queueTarget, TOOLS_OPTION, wholeNumber, type FlagValues, type QueueCommandSpec } from "./queue-flags.js";

/** `plangraph worker`, parsed. */
export interface WorkerCommand {
  command: "worker";
  concurrency?: number;
  leaseMs?: number;
  drainMs?: number;
  tools?: string;
  durability?: DurabilityMode;
}

export const WORKER_COMMAND: QueueCommandSpec = {
  summary: "take queued runs from PostgreSQL and run them (any number of workers, on any machines)",
  options: {
    concurrency: { type: "string", value: "<n>", help: "run at most n plans at once in this process (a whole number from 1 to 1000; default 4)" },
    tools: TOOLS_OPTION,
    "lease-ms": { type: "string", value: "<ms>", help: "how long a run stays this worker's without a heartbeat (renewed every third of it): a killed worker's runs are taken over by a live one after it (1000 to 600000; default 30000)" },
    durability: {
      type: "string",
      value: "<mode>",
      help: `when LangGraph checkpoints the runs this worker holds: ${DURABILITY_MODES.join(", ")} (default ${DURABILITY_ENV}, else async). The completion store records every step either way, so a takeover calls no completed step again; "exit" checkpoints only when a run pauses or ends, saving the checkpoint writes of every superstep (docs/SCALING.md)`,
    },
    "drain-ms": { type: "string", value: "<ms>", help: "on SIGTERM, how long held runs may take to finish before they are handed back to the queue (0 to 86400000; default: the lease)" },
  },
  notes: [
    DATABASE_NOTE,
    "SIGTERM or Ctrl-C drains: the worker takes no new run, lets the ones it holds finish (for up to --drain-ms; the rest are handed back to the queue, where another worker continues them from their checkpoints) and exits 0. A second signal hands the unfinished runs back at once. SIGKILL loses nothing either: steps that completed are not run again, and a live worker takes the runs over once the lease has run out.",
  ],
};

/** Builds the command from its parsed flags; every bad value is a usage error naming its flag. */
export function parseWorkerCommand(values: FlagValues, positionals: string[]): WorkerCommand {
  if (positionals.length) throw new PlangraphError("USAGE", `'worker' takes no arguments, got '${positionals[0]}'`);
  const concurrency = wholeNumber(values, "concurrency", 1, 1000);
  const leaseMs = wholeNumber(values, "lease-ms", 1000, 600_000);
  const drainMs = wholeNumber(values, "drain-ms", 0, 86_400_000);
  const tools = values.tools as string | undefined;
  const durability = values.durability as string | undefined;
  if (durability !== undefined && !(DURABILITY_MODES as readonly string[]).includes(durability)) {
    throw new PlangraphError("USAGE", `--durability must be one of ${DURABILITY_MODES.join(", ")}, got '${durability.slice(0, 40)}'`);
  }
  return {
    command: "worker",
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(drainMs !== undefined ? { drainMs } : {}),
    ...(tools !== undefined ? { tools } : {}),
    ...(durability !== undefined ? { durability: durability as DurabilityMode } : {}),
  };
}

/**
 * Runs a worker until SIGTERM/SIGINT, then drains. Lines on stderr say when it is ready and when
 * it drains and stops, for logs and for whoever supervises it.
 */
export async function runWorkerCommand(command: WorkerCommand, io: CliIO, signals: NodeJS.EventEmitter = process): Promise<number> {
  const queue = queueTarget("worker", io);
  const registry = await cliRegistry(command.tools, (message) => io.err(`${message}\n`), io.env);
  const chatModel = chatModelFromEnvironment(io.env);
  if (!chatModel) io.err("note: no OPENAI_API_KEY set: question decisions take their default branch\n");
  const concurrency = command.concurrency ?? 4;
  const leaseMs = command.leaseMs ?? DEFAULT_LEASE_TTL_MS;
  const durability = command.durability ?? durabilityFromEnv(io.env);
  const worker = await startWorker({ ...queue, concurrency, leaseMs, planOptions: { registry, chatModel }, ...(durability ? { durability } : {}), ...(command.drainMs !== undefined ? { drainMs: command.drainMs } : {}) });
  io.err(`worker ${worker.id} ready: concurrency ${concurrency}, lease ${leaseMs} ms, durability ${durability ?? "async"}, queue schema ${queue.schema ?? DEFAULT_QUEUE_SCHEMA}\n`);
  let signalled = 0;
  const onSignal = (name: string) => {
    signalled++;
    if (signalled === 1) {
      const held = worker.running().length;
      io.err(`worker ${worker.id}: ${name}: draining ${held} run${held === 1 ? "" : "s"}, taking no new ones (a second signal hands them back now)\n`);
      void worker.drain();
    } else {
      io.err(`worker ${worker.id}: ${name} again: handing ${worker.running().length} unfinished runs back to the queue\n`);
      void worker.stop();
    }
  };
  const onTerm = () => onSignal("SIGTERM");
  const onInt = () => onSignal("SIGINT");
  signals.on("SIGTERM", onTerm);
  signals.on("SIGINT", onInt);
  try {
    await worker.closed;
  } finally {
    signals.off("SIGTERM", onTerm);
    signals.off("SIGINT", onInt);
  }
  io.err(`worker ${worker.id} stopped\n`);
  return 0;
}
