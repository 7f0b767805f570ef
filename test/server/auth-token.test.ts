/**
 * Bearer tokens as the server's auth handler checks them (src/auth/keys.ts, src/auth/token.ts):
 * signed with jose here, verified the way `authenticate` does, without a server.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { authSettingsFromEnv, type VerificationKeys } from "../../src/auth/keys.js";
import { verifyBearer } from "../../src/auth/token.js";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256-0123456789";
const dir = mkdtempSync(join(tmpdir(), "plangraph-auth-keys-"));
const now = () => Math.floor(Date.now() / 1000);
const claims = { tenant: "acme", roles: ["operator"] };

async function hsKeys(): Promise<VerificationKeys> {
  const settings = await authSettingsFromEnv({ PLANGRAPH_AUTH_JWT_SECRET: SECRET });
  if (!settings.enabled) throw new Error("auth should be on");
  return settings.keys;
}

async function keysFromFile(name: string, text: string, extra: Record<string, string> = {}): Promise<VerificationKeys> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const settings = await authSettingsFromEnv({ PLANGRAPH_AUTH_JWKS: file, ...extra });
  if (!settings.enabled) throw new Error("auth should be on");
  return settings.keys;
}

function sign(payload: JWTPayload, key: Uint8Array | CryptoKey, alg: string, header: Record<string, unknown> = {}) {
  return new SignJWT(payload).setProtectedHeader({ alg, ...header }).setSubject(String(payload.sub ?? "alice")).setIssuedAt().setExpirationTime(now() + 300).sign(key);
}

const secretKey = new TextEncoder().encode(SECRET);

describe("auth settings from the environment", () => {
  it("is off when neither PLANGRAPH_AUTH_JWT_SECRET nor PLANGRAPH_AUTH_JWKS is set", async () => {
    expect(await authSettingsFromEnv({})).toEqual({ enabled: false });
  });

  it("refuses an HS256 secret shorter than 32 bytes, naming the variable", async () => {
    await expect(authSettingsFromEnv({ PLANGRAPH_AUTH_JWT_SECRET: "short" })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("PLANGRAPH_AUTH_JWT_SECRET is 5 bytes long") });
  });

  it("refuses a key file that cannot be read or holds no public key, naming the file", async () => {
    await expect(authSettingsFromEnv({ PLANGRAPH_AUTH_JWKS: join(dir, "missing.json") })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("missing.json") });
    await expect(keysFromFile("garbage.json", "{ not json")).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("garbage.json") });
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    await expect(keysFromFile("private.json", JSON.stringify({ keys: [await exportJWK(privateKey)] }))).rejects.toMatchObject({ message: expect.stringContaining("private or symmetric key") });
  });
});

describe("verifying a bearer token", () => {
  it("accepts an HS256 token and reads sub, tenant and roles", async () => {
    const token = await sign({ sub: "alice", ...claims }, secretKey, "HS256");
    expect(await verifyBearer(`Bearer ${token}`, await hsKeys())).toMatchObject({ identity: "alice", tenant: "acme", roles: ["operator"], permissions: ["operator"], source: "auth", is_authenticated: true });
  });

  it("refuses a missing header, another scheme, and a token that is not a JWT", async () => {
    const keys = await hsKeys();
    await expect(verifyBearer(undefined, keys)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining("no Authorization header") });
    await expect(verifyBearer("Basic YWxpY2U6cHc=", keys)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining("not 'Bearer <token>'") });
    await expect(verifyBearer("Bearer abc.def", keys)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining("not a valid signed JWT") });
  });

  it("refuses a token signed with another secret (forged)", async () => {
    const token = await sign({ sub: "mallory", ...claims }, new TextEncoder().encode("another-secret-of-enough-length-0123456789abcdef"), "HS256");
    await expect(verifyBearer(`Bearer ${token}`, await hsKeys())).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining("signature does not verify") });
  });

  it("refuses an expired token beyond the clock tolerance, and accepts one within it", async () => {
    const keys = await hsKeys();
    const expired = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setExpirationTime(now() - 120).sign(secretKey);
    await expect(verifyBearer(`Bearer ${expired}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("expired") });
    const justExpired = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setExpirationTime(now() - 5).sign(secretKey);
    expect((await verifyBearer(`Bearer ${justExpired}`, keys)).identity).toBe("alice");
  });

  it("refuses a token that is not valid yet (nbf) and one without exp", async () => {
    const keys = await hsKeys();
    const early = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setNotBefore(now() + 600).setExpirationTime(now() + 900).sign(secretKey);
    await expect(verifyBearer(`Bearer ${early}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("nbf") });
    const forever = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("alice").sign(secretKey);
    await expect(verifyBearer(`Bearer ${forever}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("exp") });
  });

  it("refuses alg none and algorithms outside the allow-list", async () => {
    const keys = await hsKeys();
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "mallory", ...claims, exp: now() + 300 })}.`;
    await expect(verifyBearer(`Bearer ${unsigned}`, keys)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const hs512 = await sign({ sub: "alice", ...claims }, new TextEncoder().encode(SECRET + SECRET), "HS512");
    await expect(verifyBearer(`Bearer ${hs512}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("algorithm is not accepted") });
  });

  it("refuses HS256 signed with the RS256 public key (key confusion) when only public keys are configured", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const pem = await exportSPKI(publicKey);
    const keys = await keysFromFile("rsa.pem", pem);
    const good = await sign({ sub: "alice", ...claims }, privateKey, "RS256");
    expect((await verifyBearer(`Bearer ${good}`, keys)).identity).toBe("alice");
    const confused = await sign({ sub: "mallory", ...claims }, new TextEncoder().encode(pem), "HS256");
    await expect(verifyBearer(`Bearer ${confused}`, keys)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining("algorithm is not accepted") });
  });

  it("verifies ES256 tokens against a JWKS by kid, and refuses a key the JWKS does not hold", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const other = await generateKeyPair("ES256");
    const keys = await keysFromFile("jwks.json", JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" }] }));
    const good = await sign({ sub: "bob", tenant: "globex", roles: ["admin"] }, privateKey, "ES256", { kid: "k1" });
    expect(await verifyBearer(`Bearer ${good}`, keys)).toMatchObject({ identity: "bob", tenant: "globex", roles: ["admin"] });
    const stranger = await sign({ sub: "mallory", tenant: "globex", roles: ["admin"] }, other.privateKey, "ES256", { kid: "k1" });
    await expect(verifyBearer(`Bearer ${stranger}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("signature does not verify") });
  });

  it("fetches an identity provider's JWKS from its address", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "idp-1", alg: "RS256", use: "sig" }] });
    const idp = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(jwks));
    await new Promise<void>((done) => idp.listen(0, "127.0.0.1", done));
    try {
      const settings = await authSettingsFromEnv({ PLANGRAPH_AUTH_JWKS: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json` });
      if (!settings.enabled) throw new Error("auth should be on");
      const good = await sign({ sub: "carol", tenant: "initech", roles: ["viewer"] }, privateKey, "RS256", { kid: "idp-1" });
      expect(await verifyBearer(`Bearer ${good}`, settings.keys)).toMatchObject({ identity: "carol", tenant: "initech", roles: ["viewer"] });
      const unknown = await sign({ sub: "carol", tenant: "initech", roles: [] }, privateKey, "RS256", { kid: "idp-2" });
      await expect(verifyBearer(`Bearer ${unknown}`, settings.keys)).rejects.toMatchObject({ message: expect.stringContaining("no configured key matches") });
    } finally {
      idp.close();
    }
  });

  it("checks issuer and audience when they are configured", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const keys = await keysFromFile("jwk-one.json", JSON.stringify(await exportJWK(publicKey)), { PLANGRAPH_AUTH_ISSUER: "https://idp.example", PLANGRAPH_AUTH_AUDIENCE: "plangraph" });
    const right = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "ES256" }).setSubject("alice").setIssuer("https://idp.example").setAudience("plangraph").setExpirationTime(now() + 60).sign(privateKey);
    expect((await verifyBearer(`Bearer ${right}`, keys)).identity).toBe("alice");
    const wrong = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "ES256" }).setSubject("alice").setIssuer("https://evil.example").setAudience("plangraph").setExpirationTime(now() + 60).sign(privateKey);
    await expect(verifyBearer(`Bearer ${wrong}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("iss") });
  });

  it("refuses a token whose tenant or roles claim is unusable, naming the claim", async () => {
    const keys = await hsKeys();
    const noTenant = await sign({ sub: "alice", roles: [] }, secretKey, "HS256");
    await expect(verifyBearer(`Bearer ${noTenant}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("claim 'tenant'") });
    const badTenant = await sign({ sub: "alice", tenant: "ACME; drop", roles: [] }, secretKey, "HS256");
    await expect(verifyBearer(`Bearer ${badTenant}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("claim 'tenant'") });
    const rolesText = await sign({ sub: "alice", tenant: "acme", roles: "admin" }, secretKey, "HS256");
    await expect(verifyBearer(`Bearer ${rolesText}`, keys)).rejects.toMatchObject({ message: expect.stringContaining("claim 'roles'") });
  });
});
