import { errors as joseErrors, jwtVerify } from "jose";
import { isPlangraphError, PlangraphError } from "../model/errors.js";
import type { VerificationKeys } from "./keys.js";
import { TokenClaimsSchema, userFromClaims, type AuthUser } from "./user.js";

/** Clocks of the token's issuer and of this server may disagree by this much. */
export const CLOCK_TOLERANCE_S = 30;

/**
 * The user of an `Authorization: Bearer <jwt>` header: the signature checked against the
 * configured keys with an algorithm allow-list, `exp` required and checked (and `nbf`, `iss`,
 * `aud` when present or configured), then the claims `sub`, `tenant`, `roles`. Every failure is an
 * UNAUTHENTICATED error whose message says what is wrong with the token, never a crash.
 */
export async function verifyBearer(header: string | null | undefined, keys: VerificationKeys): Promise<AuthUser> {
  const token = bearerToken(header);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keys.keyFor, {
      algorithms: keys.algorithms,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp", "sub"],
      ...(keys.issuer ? { issuer: keys.issuer } : {}),
      ...(keys.audience ? { audience: keys.audience } : {}),
    }));
  } catch (error) {
    throw new PlangraphError("UNAUTHENTICATED", `the bearer token was refused: ${reason(error)}`, { cause: error });
  }
  const claims = TokenClaimsSchema.safeParse(payload);
  if (!claims.success) {
    const issue = claims.error.issues[0]!;
    throw new PlangraphError("UNAUTHENTICATED", `the bearer token's claim '${issue.path.join(".") || "(payload)"}' is not usable: ${issue.message}`);
  }
  return userFromClaims(claims.data);
}

function bearerToken(header: string | null | undefined): string {
  if (!header) throw new PlangraphError("UNAUTHENTICATED", "no Authorization header: send 'Authorization: Bearer <token>'");
  const match = /^Bearer[ ]+([A-Za-z0-9\-_.]+)\s*$/i.exec(header);
  if (!match) throw new PlangraphError("UNAUTHENTICATED", "the Authorization header is not 'Bearer <token>' with a compact JWT");
  return match[1]!;
}

/** What is wrong with a token, in words a client developer can act on. */
function reason(error: unknown): string {
  if (isPlangraphError(error)) return error.message;
  if (error instanceof joseErrors.JWTExpired) return "it has expired";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "its algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "its signature does not verify";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "no configured key matches its 'kid' and algorithm";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim '${error.claim}' ${error.reason === "check_failed" ? "failed its check" : error.reason}: ${error.message}`;
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JOSENotSupported) return `it is not a valid signed JWT (${(error as Error).message})`;
  if (error instanceof joseErrors.JOSEError) return error.message;
  return "it could not be verified";
}
