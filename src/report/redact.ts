/**
 * The report's redaction: the environment's secrets (src/telemetry/secrets.ts, shared with the
 * spans) and the params and outputs of sensitive steps (src/telemetry/sensitive.ts).
 */
export { redactSecrets, secretsFromEnv, type Secret } from "../telemetry/secrets.js";
