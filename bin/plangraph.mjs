#!/usr/bin/env node
// Launcher: plangraph ships TypeScript sources; tsx compiles them on the fly (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
const code = await main(process.argv.slice(2));
// The process ends when the result is out, even if a tool that ignored its abort signal still
// holds a timer or a socket (main has named such tools on stderr as abandoned). Exit only once
// both streams have flushed, so a piped result is never cut short.
process.exitCode = code;
let open = 2;
const done = () => {
  if (--open === 0) process.exit(code);
};
process.stdout.write("", done);
process.stderr.write("", done);
