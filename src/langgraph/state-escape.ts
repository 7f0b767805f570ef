import { PlangraphError } from "../model/errors.js";

/**
 * Tool outputs are stored in graph state, and LangGraph's checkpoint serializer revives objects
 * shaped like LangChain records (`{ lc: 1, type: "constructor", id: [...] }`) on the way back, and
 * drops own `__proto__` keys. Outputs are data: before they enter state, any object that could be
 * mistaken for such a record (it has an `lc` key, a `__proto__` key, or our own escape key) is
 * wrapped as a list of entries, and unwrapped when state is read back.
 *
 * Both walks are iterative (an explicit stack, not recursion): a tool output nested thousands of
 * levels deep is data like any other, and must not overflow the call stack of the node that
 * records it — that would cost a step that completed its exactly-once.
 */
const ESCAPE_KEY = "__plangraph_entries";

function needsEscape(value: object): boolean {
  return Object.prototype.hasOwnProperty.call(value, "lc") || Object.prototype.hasOwnProperty.call(value, "__proto__") || Object.prototype.hasOwnProperty.call(value, ESCAPE_KEY);
}

const isContainer = (value: unknown): value is object => value !== null && typeof value === "object";

/** One container being rebuilt: its children so far, and whether any of them changed. */
interface Frame {
  source: object;
  /** Own keys of an object; undefined for an array. */
  keys: string[] | undefined;
  /** The children to visit, in order. */
  children: unknown[];
  built: unknown[];
  changed: boolean;
}

/**
 * Rebuilds a JSON value bottom-up without recursion. `open` lists a container's children; `close`
 * builds the container from its rebuilt children, returning `source` itself when nothing changed.
 */
function rebuild(value: unknown, open: (source: object) => Pick<Frame, "keys" | "children">, close: (frame: Frame) => unknown): unknown {
  if (!isContainer(value)) return value;
  const active = new Set<object>();
  const push = (source: object): Frame => {
    if (active.has(source)) throw new PlangraphError("OUTPUT_NOT_SERIALIZABLE", "a tool output refers to itself (a cycle) and cannot be kept in graph state");
    active.add(source);
    return { source, ...open(source), built: [], changed: false };
  };
  const stack: Frame[] = [push(value)];
  for (;;) {
    const top = stack[stack.length - 1]!;
    const next = top.built.length;
    if (next < top.children.length) {
      const child = top.children[next];
      if (isContainer(child)) stack.push(push(child));
      else top.built.push(child);
      continue;
    }
    stack.pop();
    active.delete(top.source);
    const result = close(top);
    const parent = stack[stack.length - 1];
    if (!parent) return result;
    if (result !== top.source) parent.changed = true;
    parent.built.push(result);
  }
}

/** A JSON value made safe to put in graph state. Returns the same object when nothing needs escaping. */
export function escapeForState(value: unknown): unknown {
  return rebuild(
    value,
    (source) => {
      if (Array.isArray(source)) return { keys: undefined, children: source.slice() };
      const keys = Object.keys(source);
      return { keys, children: keys.map((key) => (source as Record<string, unknown>)[key]) };
    },
    (frame) => {
      if (!frame.keys) return frame.changed ? frame.built : frame.source;
      if (needsEscape(frame.source)) return { [ESCAPE_KEY]: frame.keys.map((key, i) => [key, frame.built[i]] as [string, unknown]) };
      if (!frame.changed) return frame.source;
      const out: Record<string, unknown> = {};
      frame.keys.forEach((key, i) => (out[key] = frame.built[i]));
      return out;
    },
  );
}

/** The entries of an escaped object, when `source` is one. */
function escapedEntries(source: object): Array<[string, unknown]> | undefined {
  const keys = Object.keys(source);
  const entries = (source as Record<string, unknown>)[ESCAPE_KEY];
  return keys.length === 1 && keys[0] === ESCAPE_KEY && Array.isArray(entries) ? (entries as Array<[string, unknown]>) : undefined;
}

/** The inverse of {@link escapeForState}. */
export function unescapeFromState(value: unknown): unknown {
  return rebuild(
    value,
    (source) => {
      if (Array.isArray(source)) return { keys: undefined, children: source.slice() };
      const entries = escapedEntries(source);
      if (entries) return { keys: entries.map((pair) => String(pair[0])), children: entries.map((pair) => pair[1]) };
      const keys = Object.keys(source);
      return { keys, children: keys.map((key) => (source as Record<string, unknown>)[key]) };
    },
    (frame) => {
      if (!frame.keys) return frame.changed ? frame.built : frame.source;
      const escaped = escapedEntries(frame.source) !== undefined;
      if (!escaped && !frame.changed) return frame.source;
      const out: Record<string, unknown> = {};
      // defineProperty, not assignment: an escaped `__proto__` key is data, not the prototype.
      frame.keys.forEach((key, i) => Object.defineProperty(out, key, { value: frame.built[i], enumerable: true, writable: true, configurable: true }));
      return out;
    },
  );
}
