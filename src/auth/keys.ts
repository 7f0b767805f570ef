import { readFileSync } from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, type JWK, type JWTVerifyGetKey, type JSONWebKeySet } from "jose";
import { PlangraphError } from "../model/errors.js";

/**
 * Where the server's bearer tokens are checked against, read once from the environment:
 *
 * - `PLANGRAPH_AUTH_JWT_SECRET`: a shared secret (at least 32 bytes) for HS256 tokens;
 * - `PLANGRAPH_AUTH_JWKS`: public keys for RS256 / ES256 tokens — a JWKS file (`{ "keys": [...] }`,
 *   what an identity provider publishes), one JWK, a PEM public key, or the `https://` address of
 *   an identity provider's JWKS;
 * - `PLANGRAPH_AUTH_ISSUER`, `PLANGRAPH_AUTH_AUDIENCE` (optional): the `iss` / `aud` a token must carry.
 *
 * Neither key set: auth is off and the server runs as today, for the local tenant.
 */

export const AUTH_SECRET_ENV = "PLANGRAPH_AUTH_JWT_SECRET";
export const AUTH_JWKS_ENV = "PLANGRAPH_AUTH_JWKS";
export const AUTH_ISSUER_ENV = "PLANGRAPH_AUTH_ISSUER";
export const AUTH_AUDIENCE_ENV = "PLANGRAPH_AUTH_AUDIENCE";

/** The only algorithms a token may be signed with: never `none`, and each family with its own key. */
export const SECRET_ALGORITHMS = ["HS256"] as const;
export const PUBLIC_KEY_ALGORITHMS = ["RS256", "ES256"] as const;

/** Shorter HS256 secrets can be brute-forced offline from one token. */
const MIN_SECRET_BYTES = 32;

export interface VerificationKeys {
  /** The algorithms accepted, for jose's allow-list. */
  algorithms: string[];
  /** Picks the key for a token's header: the secret only for HS256, the public keys only for RS256/ES256. */
  keyFor: JWTVerifyGetKey;
  issuer?: string;
  audience?: string;
  /** For logs and errors: which sources are configured (never the secret). */
  describe: string;
}

/** Auth is off (no key configured) or on with these keys. */
export type AuthSettings = { enabled: false } | { enabled: true; keys: VerificationKeys };

/**
 * Reads the auth settings from the environment. A configured but unusable key (short secret,
 * unreadable or malformed key file) is a USAGE error naming the variable: the server must not
 * start open when its operator meant it closed.
 */
export async function authSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<AuthSettings> {
  const secret = env[AUTH_SECRET_ENV];
  const jwks = env[AUTH_JWKS_ENV]?.trim();
  if (!secret && !jwks) return { enabled: false };
  const secretKey = secret ? secretFrom(secret) : undefined;
  const publicKeys = jwks ? await publicKeysFrom(jwks) : undefined;
  const algorithms = [...(secretKey ? SECRET_ALGORITHMS : []), ...(publicKeys ? PUBLIC_KEY_ALGORITHMS : [])];
  const keyFor: JWTVerifyGetKey = async (header, token) => {
    // The family decides the key, so an RS256 public key is never used as an HMAC secret.
    if (header.alg === "HS256" && secretKey) return secretKey;
    if (publicKeys && (PUBLIC_KEY_ALGORITHMS as readonly string[]).includes(header.alg ?? "")) return publicKeys(header, token);
    throw new PlangraphError("UNAUTHENTICATED", `tokens signed with '${String(header.alg)}' are not accepted (accepted: ${algorithms.join(", ")})`);
  };
  const issuer = env[AUTH_ISSUER_ENV]?.trim() || undefined;
  const audience = env[AUTH_AUDIENCE_ENV]?.trim() || undefined;
  const describe = [secretKey ? `${AUTH_SECRET_ENV} (HS256)` : "", publicKeys ? `${AUTH_JWKS_ENV}=${jwks} (RS256, ES256)` : ""].filter(Boolean).join(" and ");
  return { enabled: true, keys: { algorithms, keyFor, describe, ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) } };
}

function secretFrom(secret: string): Uint8Array {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new PlangraphError("USAGE", `${AUTH_SECRET_ENV} is ${bytes.length} bytes long; an HS256 secret needs at least ${MIN_SECRET_BYTES} (e.g. \`openssl rand -base64 48\`)`);
  }
  return bytes;
}

/** The public keys named by PLANGRAPH_AUTH_JWKS, as jose's key lookup. */
async function publicKeysFrom(source: string): Promise<JWTVerifyGetKey> {
  if (/^https?:\/\//i.test(source)) {
    try {
      return createRemoteJWKSet(new URL(source));
    } catch (error) {
      throw new PlangraphError("USAGE", `${AUTH_JWKS_ENV}=${source} is not a usable JWKS address: ${(error as Error).message}`, { cause: error });
    }
  }
  let text: string;
  try {
    text = readFileSync(source, "utf8");
  } catch (error) {
    throw new PlangraphError("USAGE", `${AUTH_JWKS_ENV}: cannot read the key file '${source}': ${(error as Error).message}`, { cause: error });
  }
  try {
    return await keySetFromText(text);
  } catch (error) {
    throw new PlangraphError("USAGE", `${AUTH_JWKS_ENV}: '${source}' is neither a JWKS ({"keys": [...]}), a public JWK nor a PEM public key: ${(error as Error).message}`, { cause: error });
  }
}

async function keySetFromText(text: string): Promise<JWTVerifyGetKey> {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN PUBLIC KEY-----")) {
    // A PEM key names no algorithm: try each allowed one, the key type decides which imports.
    const imported = await importAnyAlgorithm((alg) => importSPKI(trimmed, alg));
    return async (header) => {
      const key = imported.get(header.alg ?? "");
      if (!key) throw new PlangraphError("UNAUTHENTICATED", `the configured public key cannot verify '${String(header.alg)}' tokens`);
      return key;
    };
  }
  const parsed = JSON.parse(trimmed) as unknown;
  const set = asKeySet(parsed);
  for (const key of set.keys) {
    if ("d" in key || key.kty === "oct") throw new Error(`key ${key.kid ?? "(no kid)"} is a private or symmetric key; publish only public keys`);
  }
  return createLocalJWKSet(set);
}

function asKeySet(value: unknown): JSONWebKeySet {
  if (value && typeof value === "object" && Array.isArray((value as JSONWebKeySet).keys)) return value as JSONWebKeySet;
  if (value && typeof value === "object" && typeof (value as JWK).kty === "string") return { keys: [value as JWK] };
  throw new Error("no 'keys' list and no 'kty'");
}

async function importAnyAlgorithm<K>(load: (alg: string) => Promise<K>): Promise<Map<string, K>> {
  const keys = new Map<string, K>();
  for (const alg of PUBLIC_KEY_ALGORITHMS) {
    try {
      keys.set(alg, await load(alg));
    } catch {
      // not this key type
    }
  }
  if (keys.size === 0) throw new Error(`the key is usable for none of ${PUBLIC_KEY_ALGORITHMS.join(", ")}`);
  return keys;
}
