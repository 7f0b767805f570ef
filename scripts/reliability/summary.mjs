#!/usr/bin/env node
// Per-file counts of the reliability suite from vitest's JSON report (written by every vitest run
// to test-artifacts/vitest.json), for docs/RELIABILITY.md:
//
//   npx vitest run test/reliability && node scripts/reliability/summary.mjs
//
// vitest's JSON counts an `it.fails` case that failed as expected as "passed"; the expected-fail
// column is therefore counted from the sources (it.fails cases, and validation `knownFailures`).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const report = JSON.parse(readFileSync(join(root, "test-artifacts/vitest.json"), "utf8"));
const rows = [];
for (const file of report.testResults) {
  if (!file.name.includes("test/reliability/")) continue;
  const name = file.name.slice(file.name.indexOf("test/reliability/"));
  const count = (status) => file.assertionResults.filter((a) => a.status === status).length;
  const source = readFileSync(file.name, "utf8");
  const suite = source.includes("defineKillSuite(") ? readFileSync(join(root, "test/reliability/support/kill-suite.ts"), "utf8") : "";
  const expectedFail = (source.match(/\bit\.fails\(/g) ?? []).length + (suite.match(/\bit\.fails\(/g) ?? []).length + (source.match(/knownFailures: \[([^\]]*)\]/)?.[1].split('",').length ?? 0);
  // describe.each over savers multiplies it.fails cases.
  const savers = source.includes("describe.each(SAVERS)") ? (process.env.PLANGRAPH_TEST_DATABASE_URL ? 3 : 2) : 1;
  rows.push({
    file: name,
    tests: file.assertionResults.length,
    passed: count("passed") - expectedFail * savers,
    expectedFail: expectedFail * savers,
    skipped: count("pending") + count("skipped") + count("todo"),
    failed: count("failed"),
    seconds: ((file.endTime - file.startTime) / 1000).toFixed(1),
  });
}
rows.sort((a, b) => a.file.localeCompare(b.file));
console.log("| file | tests | passed | expected fail | skipped | failed | seconds |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.file} | ${r.tests} | ${r.passed} | ${r.expectedFail} | ${r.skipped} | ${r.failed} | ${r.seconds} |`);
const total = rows.reduce((t, r) => ({ tests: t.tests + r.tests, failed: t.failed + r.failed, seconds: t.seconds + Number(r.seconds) }), { tests: 0, failed: 0, seconds: 0 });
console.log(`\n${total.tests} tests in ${rows.length} files, ${total.failed} failed, ${total.seconds.toFixed(0)} s of test time`);
