/**
 * The shapes the layered layout reads and returns, apart from the phases that compute them so
 * every phase module can name them without importing the layout itself.
 */

/** A node to place; width and height default to the options' node size. */
export interface LayoutNodeInput {
  id: string;
  width?: number;
  height?: number;
  /**
   * Edges meet this node at the middle of its side (true, e.g. a diamond's tips). Otherwise several
   * edges on one side are spread along it, in the order of their other ends, so they do not cross.
   */
  centerPorts?: boolean;
}

/** An edge `from` → `to`; `back: true` marks a loop edge, which never drives the layering. */
export interface LayoutEdgeInput {
  from: string;
  to: string;
  back?: boolean;
}

export interface LayoutOptions {
  /** Default node width (px). */
  nodeWidth: number;
  /** Default node height (px). */
  nodeHeight: number;
  /** Horizontal space between columns. */
  layerGap: number;
  /** Vertical space between two nodes of a column. */
  nodeGap: number;
  /** Vertical space reserved around an edge passing through a column. */
  dummyGap: number;
  /** Space around the whole drawing. */
  margin: { top: number; right: number; bottom: number; left: number };
  /** Rounds of down+up ordering sweeps. */
  sweeps: number;
  /**
   * Most dummy nodes to create, as a multiple of the node count (at least 200); longer edges
   * beyond it are routed straight.
   */
  dummiesPerNode: number;
}

export interface Point {
  x: number;
  y: number;
}

/** A placed node: `x`, `y` is its top-left corner. */
export interface PlacedNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A routed edge; `index` is its position in the input edge list. */
export interface PlacedEdge {
  index: number;
  from: string;
  to: string;
  /** Drawn apart: a loop edge (input `back`, a self-loop, or one that closed a cycle). */
  back: boolean;
  /**
   * Forward edges: source right-middle, one point per column crossed, target left-middle.
   * Back edges: source top-middle, target top-middle (the renderer draws an arc above them).
   */
  points: Point[];
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  /** Node ids per column, top to bottom. */
  layers: string[][];
  width: number;
  height: number;
  /** Edge crossings between adjacent columns in the chosen ordering (dummies included). */
  crossings: number;
}
