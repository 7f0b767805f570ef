/**
 * The run queue on this machine's PostgreSQL, with real `plangraph worker` processes:
 *
 * - submit → start latency: runs of one `echo` step submitted one at a time on an idle queue (one
 *   worker), the time from the submission's commit to a worker starting the run (both the
 *   database's clock), p50 / p95; and the queue's overhead per run: the client's wall time from
 *   `submitRun` to `waitForRun` returning, less the run's own makespan;
 * - throughput: suites of runs submitted at once to 1 worker and then to 2 workers, each pinned to
 *   one core with `taskset` when it exists: runs/s, and the CPU each run cost — the workers' (from
 *   /proc: user + system time of the worker processes), this client's, and everything else on the
 *   machine (PostgreSQL, the kernel), from /proc/stat. The suites: I/O-bound (each run a fan-out of
 *   6 `sleep` steps of 20 ms and a join); and CPU-bound suites (three chained `spin` steps of ~10,
 *   ~100 and ~300 ms of integer mixing each, a fixed amount of work, bench/cpu-tools.ts), where the
 *   workers' cores are the bound: the 1 → 2 workers scaling target, judged at the most CPU-bound;
 *   beside them, the same work in one and two bare processes, what the machine itself scales by;
 * - takeover: a worker holding a run is SIGKILLed; the time until another worker holds the run.
 *
 * Standalone: `npx tsx bench/queue.ts [--quick]` (needs DATABASE_URL or PLANGRAPH_TEST_DATABASE_URL);
 * `npm run bench` runs it last. Writes bench/results/queue{,-quick}.{md,json}.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getRun, submitRun, waitForRun } from "../src/queue/index.js";
import { childEnv, signalWorker, spawnWorker, until, type WorkerProcess } from "./queue-workers.js";
import { queueTestDatabase, type QueueTestDatabase } from "./queue-database.js";
import { hashRounds, roundsFor, spin } from "./cpu-tools.js";

export interface QueueBenchResults {
  started_at: string;
  duration_s: number;
  machine: { node: string; cpus: number; pinned: boolean; load_before: number[]; load_after: number[] };
  latency: {
    runs: number;
    /** Submission committed → a worker started the run (database clock). */
    start_p50_ms: number;
    start_p95_ms: number;
    /** The worker's own cost around the plan: started → ended (database clock) less the run's makespan. */
    worker_p50_ms: number;
    worker_p95_ms: number;
    /** The client's whole wait: submitRun called → waitForRun returned, less the makespan. */
    overhead_p50_ms: number;
    overhead_p95_ms: number;
  };
  throughput: Throughput[];
  /** 2 workers' runs/s over 1 worker's, the most CPU-bound suite (the target). */
  scaling: number;
  /** The same for each CPU suite, with the ceiling of the machine's 2 cores (see `scalingBound`) and the tool's share of a run's worker CPU. */
  cpu_scaling: Array<{ step_ms: number; measured: number; bound: number; tool_share: number }>;
  /** The machine's own: two processes doing the CPU suite's work at once over one, no queue (see `measureMachineScaling`). */
  machine_scaling: { one_s: number; two_s: number; scaling: number };
  takeover: { lease_ms: number; trials: number[]; max_ms: number };
  targets: Array<{ target: string; measured: string; met: boolean }>;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** One throughput suite, with what each run cost in CPU. */
export interface Throughput {
  suite: Suite["name"];
  workers: number;
  concurrency: number;
  runs: number;
  seconds: number;
  runs_per_s: number;
  /** The worker processes' CPU per run (user + system). */
  cpu_ms_per_run: number;
  /** This process's CPU per run: submitting and waiting. */
  client_cpu_ms_per_run: number;
  /** The rest of the machine's CPU per run (PostgreSQL, the kernel, anything else running). */
  other_cpu_ms_per_run: number;
}

/** What a suite's runs do: `spin` steps do `rounds` rounds of work each (calibrated once per benchmark). */
export type Suite = { name: "io" } | { name: `cpu-${number}ms`; stepMs: number; rounds: number };

/**
 * The most 2 workers can do over 1 on a 2-core machine, at the CPU their runs cost: the two cores'
 * 2,000 ms per second over what a run costs all of the machine (the workers' CPU, the client's
 * and the rest's, as the 2-worker suite measured them), over one worker's rate. PostgreSQL and the
 * client run on the same two cores here, so their share of a run is what the workers cannot have.
 */
export function scalingBound(one: Throughput, two: Throughput): number {
  const ceiling = 2000 / (two.cpu_ms_per_run + two.client_cpu_ms_per_run + two.other_cpu_ms_per_run);
  return round(ceiling / (one.runs / one.seconds), 2);
}

/** All CPU ms the machine spent so far (every core: user, nice, system, irq, softirq), from /proc/stat. */
function machineCpuMs(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const ticks = fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]!;
  return ticks * 10;
}

/** User + system CPU ms of a process so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startWorkers(db: QueueTestDatabase, count: number, args: string[], pin: boolean): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: count }, (_, i) => spawnWorker(`bench${i}`, args, childEnv(db.env), pin ? i % cpus().length : undefined));
  await Promise.all(workers.map((w) => w.ready));
  return workers;
}

async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) signalWorker(w, "SIGTERM");
  await Promise.all(workers.map((w) => w.exit));
}

async function measureLatency(db: QueueTestDatabase, runs: number, pin: boolean): Promise<QueueBenchResults["latency"]> {
  const workers = await startWorkers(db, 1, ["--concurrency", "4"], pin);
  const options = db.connection;
  const starts: number[] = [];
  const held: number[] = [];
  const overheads: number[] = [];
  try {
    for (let i = 0; i < runs + 5; i++) {
      const t0 = performance.now();
      const run = await submitRun({ plan: { steps: [{ id: "a", tool: "echo", params: { i } }] } }, options);
      // pollMs 20: should a notification be missed, the wait notices the end at its next poll.
      const result = await waitForRun(run.run_id, { ...options, pollMs: 20 });
      const wall = performance.now() - t0;
      if (result.status !== "completed") throw new Error(`latency run ${i} ended ${result.status}`);
      if (i < 5) continue; // warm-up: the worker's first runs compile its code paths
      const ended = await getRun(run.run_id, options);
      starts.push(Date.parse(ended.started_at!) - Date.parse(ended.submitted_at));
      held.push(Date.parse(ended.ended_at!) - Date.parse(ended.started_at!) - result.makespan_ms);
      overheads.push(wall - result.makespan_ms);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await stopWorkers(workers);
  }
  const p = (values: number[], q: number) => round(percentile(values, q));
  return { runs, start_p50_ms: p(starts, 50), start_p95_ms: p(starts, 95), worker_p50_ms: p(held, 50), worker_p95_ms: p(held, 95), overhead_p50_ms: p(overheads, 50), overhead_p95_ms: p(overheads, 95) };
}

/** The CPU-bound plan: three `spin` calls of `rounds` rounds in a chain (bench/cpu-tools.ts). */
function cpuPlan(i: number, rounds: number) {
  return { steps: [0, 1, 2].map((k) => ({ id: `s${k}`, tool: "spin", params: { rounds, run: i }, ...(k ? { depends_on: [`s${k - 1}`] } : {}) })) };
}

/** The I/O-bound plan: six 20 ms calls in parallel, then a join. */
function ioPlan(i: number) {
  const fan = Array.from({ length: 6 }, (_, k) => ({ id: `f${k}`, tool: "sleep", params: { ms: 20, run: i } }));
  return { steps: [...fan, { id: "join", tool: "echo", depends_on: fan.map((s) => s.id) }] };
}

async function measureThroughput(db: QueueTestDatabase, workers: number, runs: number, pin: boolean, suite: Suite): Promise<Throughput> {
  // Enough runs at once that the worker's core, not the tools' 20 ms waits, is the bound; each held run
  // can use two connections (PostgreSQL here allows 100 in all, shared with other users).
  const concurrency = 10;
  const cpuBound = suite.name !== "io";
  const tools = cpuBound ? ["--tools", "bench/cpu-tools.ts"] : [];
  const pool = await startWorkers(db, workers, ["--concurrency", String(concurrency), ...tools], pin);
  const options = cpuBound ? { ...db.connection, tools: [spin] } : db.connection;
  const plan = suite.name === "io" ? ioPlan : (i: number) => cpuPlan(i, suite.rounds);
  try {
    const cpu0 = pool.map((w) => processCpuMs(w.child.pid!));
    const client0 = process.cpuUsage();
    const machine0 = machineCpuMs();
    const t0 = performance.now();
    const submitted = await Promise.all(Array.from({ length: runs }, (_, i) => submitRun({ plan: plan(i) }, options)));
    // One wait at a time (each holds a connection while it listens); the runs go on meanwhile. Each
    // wakes on its run's notices, polling only as the default fallback: a client polling every few
    // ms would spend the cores the workers are measured on.
    const ended: Array<{ status: string }> = [];
    for (const run of submitted) ended.push(await waitForRun(run.run_id, options));
    const seconds = (performance.now() - t0) / 1000;
    const machine = machineCpuMs() - machine0;
    const clientUsage = process.cpuUsage(client0);
    const client = (clientUsage.user + clientUsage.system) / 1000;
    const cpu = pool.reduce((sum, w, i) => sum + processCpuMs(w.child.pid!) - cpu0[i]!, 0);
    const failed = ended.filter((run) => run.status !== "completed");
    if (failed.length) throw new Error(`${failed.length} throughput runs did not complete`);
    return {
      suite: suite.name,
      workers,
      concurrency,
      runs,
      seconds: round(seconds, 2),
      runs_per_s: round(runs / seconds),
      cpu_ms_per_run: round(cpu / runs, 2),
      client_cpu_ms_per_run: round(client / runs, 2),
      other_cpu_ms_per_run: round(Math.max(0, machine - cpu - client) / runs, 2),
    };
  } finally {
    await stopWorkers(pool);
  }
}

/** A process's worth of the CPU suite's work with no queue at all: the tool's own loop (its compiled source), then exit. */
const HASH_SCRIPT = `${hashRounds.toString()}; hashRounds(Number(process.argv[1]), 0);`;

function hashProcess(rounds: number, cpu: number | undefined): Promise<number> {
  const t0 = performance.now();
  const argv = ["-e", HASH_SCRIPT, String(rounds)];
  const child = cpu === undefined ? spawn(process.execPath, argv, { stdio: "ignore" }) : spawn("taskset", ["-c", String(cpu), process.execPath, ...argv], { stdio: "ignore" });
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("exit", (code) => (code === 0 ? done(performance.now() - t0) : fail(new Error(`hash process exited ${code}`))));
  });
}

/**
 * What the machine itself gives two processes over one, with no queue, no database and no
 * client: the CPU suite's work in one process pinned to core 0, then in two at once, pinned to
 * cores 0 and 1 (the median of three tries each). The queue's scaling cannot exceed it.
 */
async function measureMachineScaling(rounds: number, pin: boolean): Promise<{ one_s: number; two_s: number; scaling: number }> {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ones: number[] = [];
  const twos: number[] = [];
  for (let i = 0; i < 3; i++) {
    ones.push(await hashProcess(rounds, pin ? 0 : undefined));
    twos.push(Math.max(...(await Promise.all([hashProcess(rounds, pin ? 0 : undefined), hashProcess(rounds, pin ? 1 : undefined)]))));
  }
  const one = median(ones);
  const two = median(twos);
  return { one_s: round(one / 1000, 2), two_s: round(two / 1000, 2), scaling: round((2 * one) / two, 2) };
}

async function measureTakeover(db: QueueTestDatabase, leaseMs: number, trials: number): Promise<QueueBenchResults["takeover"]> {
  const options = db.connection;
  const times: number[] = [];
  for (let t = 0; t < trials; t++) {
    const [victim] = await startWorkers(db, 1, ["--concurrency", "2", "--lease-ms", String(leaseMs)], false);
    const victimId = await victim!.ready;
    const run = await submitRun({ plan: { steps: [{ id: "long", tool: "sleep", params: { ms: leaseMs * 4 } }] } }, options);
    await until("the run to start on the first worker", async () => ((await getRun(run.run_id, options)).worker === victimId ? true : undefined));
    const [heir] = await startWorkers(db, 1, ["--concurrency", "2", "--lease-ms", String(leaseMs)], false);
    const heirId = await heir!.ready;
    signalWorker(victim!, "SIGKILL");
    await victim!.exit;
    await until("another worker to take the run over", async () => ((await getRun(run.run_id, options)).worker === heirId ? true : undefined), leaseMs + 30_000, 10);
    times.push(Date.now() - victim!.signalledAt!);
    await waitForRun(run.run_id, options);
    await stopWorkers([heir!]);
  }
  return { lease_ms: leaseMs, trials: times, max_ms: Math.max(...times) };
}

/** Runs every queue measurement; needs a PostgreSQL URL. */
export async function measureQueue(options: { quick?: boolean; log?: (line: string) => void; url: string }): Promise<QueueBenchResults> {
  const log = options.log ?? (() => undefined);
  const started = new Date();
  const t0 = performance.now();
  const loadBefore = loadavg();
  const pin = hasTaskset();
  const db = await queueTestDatabase(options.url, "bench");
  try {
    log("bench: queue submit → start latency (1 worker, idle queue)");
    const latency = await measureLatency(db, options.quick ? 20 : 100, pin);
    log("bench: queue throughput, 1 worker then 2, I/O-bound runs");
    const runs = options.quick ? 100 : 400;
    const io: Suite = { name: "io" };
    const one = await measureThroughput(db, 1, runs, pin, io);
    const two = await measureThroughput(db, 2, runs, pin, io);
    // The work is calibrated once, here, and the same for every worker: a run's CPU is fixed.
    // Three step sizes, from the queue's own cost per run being a third of the work to a tenth.
    const per100 = roundsFor(100);
    const cpuSuites: Suite[] = [10, 100, 300].map((stepMs) => ({ name: `cpu-${stepMs}ms`, stepMs, rounds: Math.round((per100 * stepMs) / 100) }));
    const cpuResults: Array<{ suite: Extract<Suite, { stepMs: number }>; one: Throughput; two: Throughput }> = [];
    for (const suite of cpuSuites as Array<Extract<Suite, { stepMs: number }>>) {
      log(`bench: queue throughput, 1 worker then 2, CPU-bound runs (3 × ${suite.rounds} rounds, ~${suite.stepMs} ms each)`);
      // About 20 s of work for one worker per suite.
      const count = Math.max(options.quick ? 10 : 40, Math.round((options.quick ? 5_000 : 20_000) / (3 * suite.stepMs + 35)));
      cpuResults.push({ suite, one: await measureThroughput(db, 1, count, pin, suite), two: await measureThroughput(db, 2, count, pin, suite) });
    }
    log("bench: the machine's own scaling: the same work in 1 process, then 2, no queue");
    const machineScaling = await measureMachineScaling(per100 * 30, pin);
    log("bench: queue takeover after SIGKILL");
    const takeover = await measureTakeover(db, 2000, options.quick ? 1 : 3);
    // From the unrounded rates: runs / seconds.
    const rate = (t: Throughput) => t.runs / t.seconds;
    const cpuScaling = cpuResults.map(({ suite, one: a, two: b }) => ({ step_ms: suite.stepMs, measured: round(rate(b) / rate(a), 2), bound: scalingBound(a, b), tool_share: round((3 * suite.stepMs) / a.cpu_ms_per_run, 2) }));
    const ioScaling = round(rate(two) / rate(one), 2);
    const target = cpuScaling.at(-1)!;
    const targets = [
      {
        target: "queue overhead ≤ 10 ms p50 per run (submit → start)",
        measured: `submit → start p50 ${latency.start_p50_ms} ms (p95 ${latency.start_p95_ms}); the worker's own time around the plan p50 ${latency.worker_p50_ms} ms (p95 ${latency.worker_p95_ms}); the client's submit → result less the makespan p50 ${latency.overhead_p50_ms} ms (p95 ${latency.overhead_p95_ms})`,
        met: latency.start_p50_ms <= 10,
      },
      {
        target: "2 workers ≥ 1.8× one worker's throughput (CPU-bound)",
        measured: `${cpuScaling.map((c) => `${c.measured}× with 3 × ~${c.step_ms} ms steps (the tool ${Math.round(c.tool_share * 100)}% of one worker's CPU; the 2 cores' ceiling at its CPU per run ${c.bound}×)`).join("; ")}; two processes of the same work with no queue: ${machineScaling.scaling}×; I/O-bound suite ${ioScaling}× (${one.runs_per_s} → ${two.runs_per_s} runs/s). Judged at the most CPU-bound suite (~${target.step_ms} ms steps).`,
        met: target.measured >= 1.8,
      },
      { target: "takeover ≤ lease + 5 s", measured: `max ${takeover.max_ms} ms with a ${takeover.lease_ms} ms lease (${takeover.trials.join(", ")})`, met: takeover.max_ms <= takeover.lease_ms + 5000 },
    ];
    return {
      started_at: started.toISOString(),
      duration_s: round((performance.now() - t0) / 1000),
      machine: { node: process.version, cpus: cpus().length, pinned: pin, load_before: loadBefore, load_after: loadavg() },
      latency,
      throughput: [one, two, ...cpuResults.flatMap((c) => [c.one, c.two])],
      scaling: target.measured,
      cpu_scaling: cpuScaling,
      machine_scaling: machineScaling,
      takeover,
      targets,
    };
  } finally {
    await db.drop();
  }
}

export function renderQueueMarkdown(r: QueueBenchResults): string {
  return [
    "# Run queue: latency, throughput per worker, takeover",
    "",
    `Run ${r.started_at}, ${r.duration_s} s · Node ${r.machine.node} · ${r.machine.cpus} CPUs · workers ${r.machine.pinned ? "pinned to one core each (taskset)" : "not pinned (no taskset)"} · load average before ${r.machine.load_before.map((l) => l.toFixed(2)).join(" / ")}, after ${r.machine.load_after.map((l) => l.toFixed(2)).join(" / ")}.`,
    "",
    "| target | measured | met |",
    "| :-- | :-- | :-- |",
    ...r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`),
    "",
    "CPU per run: the workers' own, this client's (submitting and waiting), and the rest of the machine's (PostgreSQL, the kernel). With 2 cores, 2 workers can run at most 2,000 ms / (worker + client + rest CPU per run) runs per second: the ceiling each suite's ratio is compared with.",
    "",
    "| suite | workers | concurrency each | runs | seconds | runs/s | worker CPU per run | client CPU per run | rest of the machine per run |",
    "| :-- | --: | --: | --: | --: | --: | --: | --: | --: |",
    ...r.throughput.map((t) => `| ${t.suite} | ${t.workers} | ${t.concurrency} | ${t.runs} | ${t.seconds} | ${t.runs_per_s} | ${t.cpu_ms_per_run} ms | ${t.client_cpu_ms_per_run} ms | ${t.other_cpu_ms_per_run} ms |`),
    "",
    `The machine's own scaling, for comparison: the CPU suites' work (30 steps of ~100 ms, the tool's own loop) in one process pinned to core 0 took ${r.machine_scaling.one_s} s; in two processes at once, on cores 0 and 1, ${r.machine_scaling.two_s} s — ${r.machine_scaling.scaling}× the work per second, with no queue, database or client (median of three).`,
    "",
  ].join("\n");
}

/** Writes bench/results/queue{suffix}.{md,json} and returns the markdown. */
export function writeQueueResults(results: QueueBenchResults, suffix: string): string {
  const outDir = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(outDir, { recursive: true });
  const markdown = renderQueueMarkdown(results);
  writeFileSync(join(outDir, `queue${suffix}.md`), markdown);
  writeFileSync(join(outDir, `queue${suffix}.json`), `${JSON.stringify(results, null, 2)}\n`);
  return markdown;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = (process.env.DATABASE_URL || process.env.PLANGRAPH_TEST_DATABASE_URL)?.trim();
  if (!url) throw new Error("bench/queue.ts needs DATABASE_URL or PLANGRAPH_TEST_DATABASE_URL");
  const quick = process.argv.includes("--quick");
  const results = await measureQueue({ quick, url, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(writeQueueResults(results, quick ? "-quick" : ""));
}
