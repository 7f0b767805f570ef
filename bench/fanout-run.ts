/**
 * `npx tsx bench/fanout-run.ts`: the fan-out suite alone (also part of `npm run bench`). Writes
 * bench/results/fanout.{md,json} and prints the markdown. `--quick`: 2 repetitions, no 1,000-element
 * capped scenario, into fanout-quick.* (for trying changes; not for quoting). `--repeats N` overrides.
 */
import { measureAndWriteFanOut } from "./fanout-report.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const at = args.indexOf("--repeats");
const repeats = at >= 0 ? Number(args[at + 1]) : undefined;
if (repeats !== undefined && !(Number.isInteger(repeats) && repeats > 0)) {
  process.stderr.write("bench/fanout-run.ts: --repeats needs a positive whole number\n");
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${line}\n`);
log("bench: fan-out suite (10 / 100 / 1,000 elements, heavy-tailed latencies, with and without a cap)");
const { markdown } = await measureAndWriteFanOut({ quick, log, ...(repeats !== undefined ? { repeats } : {}) });
process.stdout.write(markdown);
