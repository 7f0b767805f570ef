/**
 * The parts of a zod 4 schema's definition (`schema._zod.def`) that reference checks read. Zod
 * keeps them on every schema; anything that is not a zod 4 schema has none, and checks built on
 * this treat it as open.
 */
export interface ZodDef {
  type: string;
  shape?: Record<string, unknown>;
  catchall?: unknown;
  element?: unknown;
  innerType?: unknown;
  options?: unknown[];
  valueType?: unknown;
  items?: unknown[];
  rest?: unknown;
  getter?: () => unknown;
  in?: unknown;
  out?: unknown;
  left?: unknown;
  right?: unknown;
  coerce?: boolean;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

/** The definition of a zod 4 schema, or undefined for anything else. */
export function zodDef(schema: unknown): ZodDef | undefined {
  return (schema as { _zod?: { def?: ZodDef } } | null)?._zod?.def;
}

const WRAPPERS: ReadonlySet<string> = new Set(["optional", "nullable", "default", "prefault", "nonoptional", "readonly", "catch"]);
/** Most wrappers followed; a lazy schema that returns itself must not loop forever. */
const MAX_HOPS = 32;

/**
 * The schema whose shape a produced value has: wrappers (optional, nullable, default, prefault,
 * nonoptional, readonly, catch), lazies and a pipe's output side followed. Undefined when a lazy
 * cannot be resolved or the chain runs past 32 hops. For walking a path into an output, where
 * `null` or absence are the run time's business.
 */
export function unwrapOutput(schema: unknown): unknown {
  let current = schema;
  for (let hops = 0; hops < MAX_HOPS; hops++) {
    const def = zodDef(current);
    if (!def) return current;
    if (WRAPPERS.has(def.type)) current = def.innerType;
    else if (def.type === "lazy") {
      if (!def.getter) return undefined;
      current = def.getter();
    } else if (def.type === "pipe") current = def.out;
    else return current;
  }
  return undefined;
}
