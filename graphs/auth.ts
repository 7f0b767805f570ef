/**
 * The custom auth of this LangGraph server (`auth.path` in langgraph.json): bearer tokens verified
 * with PLANGRAPH_AUTH_JWT_SECRET (HS256) or the keys of PLANGRAPH_AUTH_JWKS (RS256 / ES256), claims
 * `sub`, `tenant`, `roles`; every thread, run and assistant owned by a tenant and invisible to the
 * others (src/auth/server-auth.ts). With neither variable set, auth is off: every request is the
 * local user of tenant `acme`, as before. docs/SERVER.md "Auth".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { authSettingsFromEnv } from "../src/auth/keys.js";
import { createServerAuth } from "../src/auth/server-auth.js";
import { systemAssistantIds } from "../src/auth/system-assistants.js";
import { serverAdmission } from "./run-admission.js";

const settings = await authSettingsFromEnv(process.env);
const graphIds = Object.keys((JSON.parse(readFileSync(join(import.meta.dirname, "..", "langgraph.json"), "utf8")) as { graphs: Record<string, unknown> }).graphs);

export const auth = createServerAuth({ settings, admission: serverAdmission(), systemAssistants: systemAssistantIds(graphIds) });
