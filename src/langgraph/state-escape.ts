/**
 * Tool outputs are stored in graph state, and LangGraph's checkpoint serializer revives objects
 * shaped like LangChain records (`{ lc: 1, type: "constructor", id: [...] }`) on the way back, and
 * drops own `__proto__` keys. Outputs are data: before they enter state, any object that could be
 * mistaken for such a record (it has an `lc` key, a `__proto__` key, or our own escape key) is
 * wrapped as a list of entries, and unwrapped when state is read back.
 */
const ESCAPE_KEY = "__plangraph_entries";

function needsEscape(value: Record<string, unknown>): boolean {
  return Object.prototype.hasOwnProperty.call(value, "lc") || Object.prototype.hasOwnProperty.call(value, "__proto__") || Object.prototype.hasOwnProperty.call(value, ESCAPE_KEY);
}

/** A JSON value made safe to put in graph state. Returns the same object when nothing needs escaping. */
export function escapeForState(value: unknown): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const escaped = escapeForState(item);
      if (escaped !== item) changed = true;
      return escaped;
    });
    return changed ? items : value;
  }
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let changed = false;
  const entries = keys.map((key) => {
    const escaped = escapeForState(record[key]);
    if (escaped !== record[key]) changed = true;
    return [key, escaped] as [string, unknown];
  });
  if (needsEscape(record)) return { [ESCAPE_KEY]: entries };
  if (!changed) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) out[key] = item;
  return out;
}

/** The inverse of {@link escapeForState}. */
export function unescapeFromState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unescapeFromState);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === ESCAPE_KEY && Array.isArray(record[ESCAPE_KEY])) {
    const out: Record<string, unknown> = {};
    for (const pair of record[ESCAPE_KEY] as Array<[string, unknown]>) {
      Object.defineProperty(out, pair[0], { value: unescapeFromState(pair[1]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const item = unescapeFromState(record[key]);
    if (item !== record[key]) changed = true;
    out[key] = item;
  }
  return changed ? out : value;
}
