import { newTraceId } from "../api/caller.js";
import { localCaller, type CallerContext } from "../model/caller.js";
import type { CliIdentity } from "./args.js";

/**
 * The caller of a CLI command: the local user is trusted, so `--tenant`, `--user` and `--roles`
 * are taken as given (each validated by the parser), over the defaults tenant `acme`, user
 * `local`, role `admin`; a fresh trace id per command.
 */
export function cliCaller(identity: CliIdentity): CallerContext {
  return localCaller(newTraceId(), { ...identity, source: "cli" });
}
