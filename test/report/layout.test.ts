import { describe, expect, it } from "vitest";
import { isotonicWithGaps, layoutGraph, type GraphLayout } from "../../src/report/layout.js";
import { syntheticDag } from "./fixtures/synthetic.js";

const nodes = (...ids: string[]) => ids.map((id) => ({ id }));
const edge = (from: string, to: string, back = false) => ({ from, to, back });

function byId(layout: GraphLayout) {
  return new Map(layout.nodes.map((n) => [n.id, n]));
}

function expectNoOverlaps(layout: GraphLayout): void {
  const columns = new Map<number, GraphLayout["nodes"]>();
  for (const n of layout.nodes) columns.set(n.layer, [...(columns.get(n.layer) ?? []), n]);
  for (const column of columns.values()) {
    const sorted = [...column].sort((a, b) => a.y - b.y);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.y, `${sorted[i - 1]!.id} and ${sorted[i]!.id} overlap`).toBeGreaterThanOrEqual(
        sorted[i - 1]!.y + sorted[i - 1]!.height,
      );
    }
  }
  const layers = [...columns.keys()].sort((a, b) => a - b);
  for (let i = 1; i < layers.length; i++) {
    const left = Math.max(...columns.get(layers[i - 1]!)!.map((n) => n.x + n.width));
    const right = Math.min(...columns.get(layers[i]!)!.map((n) => n.x));
    expect(right).toBeGreaterThan(left);
  }
  for (const n of layout.nodes) {
    expect(n.x).toBeGreaterThanOrEqual(0);
    expect(n.y).toBeGreaterThanOrEqual(0);
    expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
    expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
  }
}

describe("layoutGraph", () => {
  it("lays out an empty graph as an empty drawing", () => {
    const layout = layoutGraph([], []);
    expect(layout.nodes).toEqual([]);
    expect(layout.edges).toEqual([]);
    expect(layout.layers).toEqual([]);
  });

  it("puts a single node in the first column", () => {
    const layout = layoutGraph(nodes("only"), []);
    expect(layout.layers).toEqual([["only"]]);
    expectNoOverlaps(layout);
  });

  it("places every node one column right of its furthest predecessor (longest path)", () => {
    // primary → aggregate → metric, primary → graph → metric, secondary alone, primary → metric
    const layout = layoutGraph(nodes("primary", "secondary", "aggregate", "graph", "metric"), [
      edge("primary", "aggregate"),
      edge("primary", "graph"),
      edge("aggregate", "metric"),
      edge("graph", "metric"),
      edge("primary", "metric"),
    ]);
    const at = byId(layout);
    expect(at.get("primary")!.layer).toBe(0);
    expect(at.get("secondary")!.layer).toBe(0);
    expect(at.get("aggregate")!.layer).toBe(1);
    expect(at.get("graph")!.layer).toBe(1);
    expect(at.get("metric")!.layer).toBe(2);
    for (const e of layout.edges) expect(at.get(e.from)!.layer).toBeLessThan(at.get(e.to)!.layer);
    expectNoOverlaps(layout);
  });

  it("routes forward edges left to right, through one point per column crossed", () => {
    const layout = layoutGraph(nodes("a", "b", "c", "d"), [edge("a", "b"), edge("b", "c"), edge("c", "d"), edge("a", "d")]);
    const long = layout.edges.find((e) => e.from === "a" && e.to === "d")!;
    expect(long.points).toHaveLength(4); // start, two columns crossed, end
    for (let i = 1; i < long.points.length; i++) expect(long.points[i]!.x).toBeGreaterThan(long.points[i - 1]!.x);
  });

  it("keeps back edges out of the layering and reports them as back", () => {
    const layout = layoutGraph(nodes("poll", "check", "report"), [
      edge("poll", "check"),
      edge("check", "poll", true),
      edge("check", "report"),
    ]);
    const at = byId(layout);
    expect([at.get("poll")!.layer, at.get("check")!.layer, at.get("report")!.layer]).toEqual([0, 1, 2]);
    expect(layout.edges.find((e) => e.from === "check" && e.to === "poll")!.back).toBe(true);
  });

  it("breaks an unmarked cycle and a self-loop instead of failing", () => {
    const layout = layoutGraph(nodes("a", "b", "c"), [edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("b", "b")]);
    expect(layout.nodes).toHaveLength(3);
    expect(layout.edges.filter((e) => e.back).map((e) => `${e.from}>${e.to}`).sort()).toEqual(["b>b", "c>a"]);
    const at = byId(layout);
    for (const e of layout.edges.filter((x) => !x.back)) expect(at.get(e.from)!.layer).toBeLessThan(at.get(e.to)!.layer);
  });

  it("ignores edges to unknown nodes and duplicate node ids", () => {
    const layout = layoutGraph([{ id: "a" }, { id: "a" }, { id: "b" }], [edge("a", "b"), edge("a", "ghost"), edge("ghost", "b")]);
    expect(layout.nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(layout.edges.map((e) => e.index)).toEqual([0]);
  });

  it("orders columns so that a tree has no crossings", () => {
    // Input order interleaves the two subtrees; the barycentric sweeps must untangle them.
    const layout = layoutGraph(nodes("r", "a", "b", "a1", "b1", "a2", "b2"), [
      edge("r", "a"),
      edge("r", "b"),
      edge("b", "b1"),
      edge("a", "a1"),
      edge("b", "b2"),
      edge("a", "a2"),
    ]);
    expect(layout.crossings).toBe(0);
    expectNoOverlaps(layout);
  });

  it("reduces crossings of a crossed bipartite graph to none", () => {
    // a→y, b→x, c→z in input order crosses once; ordering fixes it.
    const layout = layoutGraph(nodes("a", "b", "c", "x", "y", "z"), [edge("a", "y"), edge("b", "x"), edge("c", "z")]);
    expect(layout.crossings).toBe(0);
  });

  it("respects per-node sizes and never overlaps nodes of different heights", () => {
    const layout = layoutGraph(
      [{ id: "d", width: 130, height: 64 }, { id: "s1", width: 240 }, { id: "s2" }, { id: "s3", height: 20 }],
      [edge("d", "s1"), edge("d", "s2"), edge("d", "s3")],
    );
    expect(byId(layout).get("s1")!.width).toBe(240);
    expectNoOverlaps(layout);
  });

  // Layout speed (1,000 nodes) is measured in the benchmark, not asserted here: CI machines are shared.
  it("lays out 1,000 nodes without overlaps, edges pointing right", () => {
    const dag = syntheticDag(1000);
    const layout = layoutGraph(dag.nodes, dag.edges);
    expect(layout.nodes).toHaveLength(1000);
    const at = byId(layout);
    for (const e of layout.edges) expect(at.get(e.from)!.layer).toBeLessThan(at.get(e.to)!.layer);
    expectNoOverlaps(layout);
  });
});

describe("isotonicWithGaps", () => {
  it("keeps targets that already respect the gaps", () => {
    expect(isotonicWithGaps([0, 50, 100], [0, 40, 40])).toEqual([0, 50, 100]);
  });

  it("pushes colliding targets apart symmetrically around their mean", () => {
    expect(isotonicWithGaps([10, 10], [0, 40])).toEqual([-10, 30]);
  });

  it("keeps order and minimum gaps for any targets", () => {
    const targets = [5, -3, 12, 12, 0, 40, 39];
    const gaps = [0, 10, 10, 25, 10, 10, 30];
    const out = isotonicWithGaps(targets, gaps);
    for (let i = 1; i < out.length; i++) expect(out[i]! - out[i - 1]!).toBeGreaterThanOrEqual(gaps[i]! - 1e-9);
  });
});
