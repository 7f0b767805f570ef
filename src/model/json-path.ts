import { echo } from "./echo.js";

/**
 * One member of a JSON path as errors write it: `.name` for plain names, `["odd name"]` for
 * anything else, with long or hostile keys shortened and escaped by {@link echo}, so a path never
 * carries a 100 KB key or a terminal control character.
 */
export function pathMember(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(key) ? `.${key}` : `["${echo(key).replace(/"/g, '\\"')}"]`;
}
