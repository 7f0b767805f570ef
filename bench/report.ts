import type { CompileRow } from "./compile-memory.js";
import type { OverheadRow } from "./overhead.js";
import type { ParallelRow } from "./parallel.js";
import type { EngineSummary } from "./suite.js";

/** Everything one `npm run bench` measured, as written to scheduling.json. */
export interface BenchResults {
  started_at: string;
  duration_s: number;
  machine: { node: string; platform: string; cpus: number; load_before: number[]; load_after: number[] };
  suite: { summary: EngineSummary[]; shapes: string[] };
  overhead: { tool_call_us: number; tool_call_cpu_us: number; rows: OverheadRow[] };
  compile: CompileRow[];
  parallel: ParallelRow[];
  targets: TargetCheck[];
  /** MaxListenersExceededWarning counts per section (the hand-written LangGraph graph has no fix). */
  listener_warnings: Record<string, number>;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : "–");

function table(head: string[], rows: string[][], align: Array<"l" | "r"> = []): string {
  const sep = head.map((_, i) => (align[i] === "l" ? ":--" : "--:"));
  return [head, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

export function checkTargets(results: Omit<BenchResults, "targets">): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const pg = results.suite.summary.find((s) => s.engine === "plangraph");
  if (pg) {
    checks.push({ target: "makespan / critical path, median ≤ 1.05", measured: f(pg.ratio_median), met: pg.ratio_median <= 1.05 });
    checks.push({ target: "makespan / critical path, p95 ≤ 1.10", measured: f(pg.ratio_p95), met: pg.ratio_p95 <= 1.1 });
  }
  for (const shape of ["chain", "fan-out"] as const) {
    const rows = results.overhead.rows.filter((r) => r.shape === shape);
    const hand = rows.find((r) => r.engine === "hand-written LangGraph");
    const compiled = rows.find((r) => r.engine === "plangraph (compiled graph)");
    const viaRunPlan = rows.find((r) => r.engine === "plangraph (runPlan)");
    if (hand && compiled && viaRunPlan) {
      // CPU per step: the machine is shared, and a zero-latency run is all CPU on an idle one.
      const ratio = compiled.cpu_per_step_us / hand.cpu_per_step_us;
      checks.push({
        target: `per-step overhead, ${shape} of ${hand.steps}, ≤ 1.2× hand-written LangGraph (CPU)`,
        measured:
          `${f(ratio, 2)}× (${f(compiled.cpu_per_step_us, 0)} vs ${f(hand.cpu_per_step_us, 0)} µs CPU per step; ` +
          `wall ${f(compiled.per_step_us / hand.per_step_us, 2)}×; via runPlan ${f(viaRunPlan.cpu_per_step_us / hand.cpu_per_step_us, 2)}× CPU)`,
        met: ratio <= 1.2,
      });
    }
  }
  const dag = results.compile.find((r) => r.plan.startsWith("random"));
  if (dag) {
    checks.push({
      target: "compilePlan of a 1,000-step plan ≤ 100 ms",
      measured: `${ms(dag.compile_ms)} ms wall, ${ms(dag.compile_cpu_ms)} ms CPU (random DAG)`,
      met: dag.compile_ms <= 100,
    });
  }
  const wide = results.parallel.find((r) => r.n === 500 && r.engine === "plangraph");
  if (wide) checks.push({ target: "500 independent 200 ms tools ≤ 400 ms", measured: `${ms(wide.wall_ms)} ms wall, ${ms(wide.cpu_ms)} ms CPU`, met: wide.wall_ms <= 400 });
  return checks;
}

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  out.push(`# plangraph scheduling benchmark`);
  out.push("");
  out.push(
    `Run ${r.started_at}, ${f(r.duration_s, 0)} s · Node ${r.machine.node} · ${r.machine.platform} · ${r.machine.cpus} CPUs · ` +
      `load average before ${r.machine.load_before.map((l) => l.toFixed(2)).join(" / ")}, after ${r.machine.load_after.map((l) => l.toFixed(2)).join(" / ")} (1 / 5 / 15 min).`,
  );
  out.push("All figures come from this one run. Tool latencies are log-normal (seeded), simulated with the LangChain `sleep` tool that every engine calls.");
  out.push("");
  out.push(`## Targets`);
  out.push("");
  out.push(table(["target", "measured", "met"], r.targets.map((t) => [t.target, t.measured, t.met ? "yes" : "**no**"]), ["l", "l", "l"]));
  out.push("");
  out.push(`## Makespan / critical path over the suite`);
  out.push("");
  out.push(
    "Critical path = longest chain of the run's own measured step durations (the contract's `critical_path_ms`). " +
      "The nominal ratio divides by the critical path of the simulated latencies instead, so it also counts tools that a busy event loop made late.",
  );
  out.push("");
  out.push(
    table(
      ["engine", "runs", "ratio median", "ratio p95", "ratio max", "nominal median", "nominal p95", "what it is"],
      r.suite.summary.map((s) => [s.engine, String(s.runs), f(s.ratio_median), f(s.ratio_p95), f(s.ratio_max), f(s.nominal_ratio_median), f(s.nominal_ratio_p95), s.description]),
      ["l", "r", "r", "r", "r", "r", "r", "l"],
    ),
  );
  out.push("");
  out.push(`Median ratio by shape:`);
  out.push("");
  out.push(table(["engine", ...r.suite.shapes], r.suite.summary.map((s) => [s.engine, ...r.suite.shapes.map((shape) => f(s.by_shape[shape] ?? NaN))]), ["l"]));
  out.push("");
  out.push(`Median nominal ratio by shape:`);
  out.push("");
  out.push(table(["engine", ...r.suite.shapes], r.suite.summary.map((s) => [s.engine, ...r.suite.shapes.map((shape) => f(s.by_shape_nominal[shape] ?? NaN))]), ["l"]));
  out.push("");
  out.push(`![ratio by engine and shape](scheduling.svg)`);
  out.push("");
  out.push(`## Per-step overhead, zero-latency tool`);
  out.push("");
  out.push(
    `Every engine calls the LangChain \`echo\` tool in every step; one bare \`echo.invoke\` costs ${f(r.overhead.tool_call_us, 1)} µs wall, ` +
      `${f(r.overhead.tool_call_cpu_us, 1)} µs CPU here. \`framework\` = CPU per step minus that. Medians of 9 runs per engine, taken round-robin after 2 warm-up rounds. ` +
      "CPU time is the process's (all threads), robust to the other load on the machine; wall time is what a user waits.",
  );
  out.push("");
  out.push(
    table(
      ["shape", "engine", "run ms", "wall µs / step", "CPU µs / step", "framework CPU µs"],
      r.overhead.rows.map((o) => [`${o.shape} ${o.steps}`, o.engine, ms(o.run_ms), f(o.per_step_us, 0), f(o.cpu_per_step_us, 0), f(o.framework_us, 0)]),
      ["l", "l"],
    ),
  );
  out.push("");
  out.push(`## Compile time and memory, 1,000 steps`);
  out.push("");
  out.push(
    table(
      ["plan", "compilePlan ms", "compilePlan CPU ms", "of which preparePlan ms", "compiled graph heap MB", "peak heap during a run MB"],
      r.compile.map((c) => [c.plan, ms(c.compile_ms), ms(c.compile_cpu_ms), ms(c.prepare_ms), f(c.graph_heap_mb, 1), f(c.run_peak_heap_mb, 1)]),
      ["l"],
    ),
  );
  out.push("");
  out.push(`## N independent 200 ms tools`);
  out.push("");
  out.push(
    "Wall = call to return (plangraph: prepare + compile + run + result; hand-written LangGraph: invoke of the compiled graph). " +
      "Slowest sleep = the longest single 200 ms tool call: above 200 the event loop was busy when its timer was due. " +
      "CPU = the process's CPU time for the run: on one event loop thread the wall time cannot go below the part of it spent on that thread.",
  );
  out.push("");
  out.push(
    table(
      ["N", "engine", "wall ms", "makespan ms", "slowest sleep ms", "CPU ms"],
      r.parallel.map((p) => [String(p.n), p.engine, ms(p.wall_ms), ms(p.makespan_ms), ms(p.max_sleep_ms), ms(p.cpu_ms)]),
      ["r", "l"],
    ),
  );
  out.push("");
  const warned = Object.entries(r.listener_warnings).filter(([, n]) => n > 0);
  out.push(
    `MaxListenersExceededWarning during the bench: ${warned.length ? warned.map(([k, n]) => `${k}: ${n}`).join(", ") : "none"}` +
      " (plangraph's graphs lift the cap on LangGraph's per-superstep signal; the hand-written LangGraph graph does not).",
  );
  out.push("");
  return out.join("\n");
}
