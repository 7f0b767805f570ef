import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** plangraph's version, from its package.json (read when asked: `--version` only). */
export function packageVersion(): string {
  const file = fileURLToPath(new URL("../../package.json", import.meta.url));
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}
