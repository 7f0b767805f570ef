/**
 * Reports and spans go where people and tools read them: they must never carry a secret of the
 * environment they were made in. A tool may echo its credentials in an error, a URL in an output
 * may hold a password; every string of the run (keys included) is scrubbed of the environment's
 * secret values before anything is drawn or exported.
 */

/** A value to keep out of the page, and the name shown in its place. */
export interface Secret {
  name: string;
  value: string;
}

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|PWD|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|SIGNATURE|DSN/i;
/** Shorter values would match ordinary text by chance (`true`, a port number). */
const MIN_SECRET_CHARS = 6;

/**
 * The secrets of an environment: values of variables whose name says they are secret (…KEY,
 * …TOKEN, …SECRET, …PASSWORD, …), and the password inside any connection URL (`DATABASE_URL`).
 * Longest first, so a secret containing another is replaced whole.
 */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): Secret[] {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_NAME.test(name) && value.trim().length >= MIN_SECRET_CHARS) found.set(value.trim(), name);
    const password = urlPassword(value);
    if (password !== undefined && password.length >= 4) {
      found.set(password, `${name} password`);
      found.set(encodeURIComponent(password), `${name} password`);
    }
  }
  return [...found].map(([value, name]) => ({ name, value })).sort((a, b) => b.value.length - a.value.length);
}

function urlPassword(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*:[^/\s]*@/i.test(text)) return undefined;
  try {
    const url = new URL(text);
    return url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    return undefined;
  }
}

/** `text` with every secret replaced by `[redacted: NAME]`. */
export function scrubSecrets(text: string, secrets: readonly Secret[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s.value)) out = out.split(s.value).join(`[redacted: ${s.name}]`);
  return out;
}

/** `value` with every secret in every string (and object key) replaced by `[redacted: NAME]`. Never mutates. */
export function redactSecrets<T>(value: T, secrets: readonly Secret[]): T {
  if (secrets.length === 0) return value;
  return mapStrings(value, (text) => scrubSecrets(text, secrets));
}

/** A copy of `value` with `map` applied to every string and object key. Never mutates; shared and cyclic parts stay so. */
export function mapStrings<T>(value: T, map: (text: string) => string): T {
  const seen = new WeakMap<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return map(v);
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const copy: unknown[] = [];
      seen.set(v, copy);
      for (const item of v) copy.push(walk(item));
      return copy;
    }
    const copy: Record<string, unknown> = {};
    seen.set(v, copy);
    // defineProperty: a key named __proto__ stays a plain key instead of replacing the prototype
    for (const [k, item] of Object.entries(v)) Object.defineProperty(copy, map(k), { value: walk(item), enumerable: true, writable: true, configurable: true });
    return copy;
  };
  return walk(value) as T;
}
