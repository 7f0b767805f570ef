import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildDecisionPrompt, fairShares, TRUNCATION_MARKER } from "../../src/decide/index.js";

const rows = (n: number) => ({ data: { rows: Array.from({ length: n }, (_, i) => ({ ci_id: `ci-${i}`, status: i % 7 ? "ok" : "degraded" })) } });

describe("fairShares", () => {
  it("gives small items all they need and splits the rest equally", () => {
    expect(fairShares([10, 1000, 1000], 610)).toEqual([10, 300, 300]);
    expect(fairShares([10, 20], 100)).toEqual([10, 20]);
    expect(fairShares([500, 100, 500], 400)).toEqual([150, 100, 150]);
    expect(fairShares([], 100)).toEqual([]);
    expect(fairShares([5, 5], 0)).toEqual([0, 0]);
  });

  it("never exceeds the total or an item's size, and wastes nothing it could give", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { maxLength: 12 }), fc.nat({ max: 20000 }), (sizes, total) => {
        const shares = fairShares(sizes, total);
        const sum = shares.reduce((a, b) => a + b, 0);
        expect(sum).toBeLessThanOrEqual(total);
        shares.forEach((share, i) => expect(share).toBeLessThanOrEqual(sizes[i]!));
        const needed = sizes.reduce((a, b) => a + b, 0);
        // Only rounding (less than one character per item) is left unused.
        expect(sum).toBeGreaterThanOrEqual(Math.min(needed, total) - sizes.length);
      }),
    );
  });
});

describe("buildDecisionPrompt", () => {
  it("carries the goal, the question and every result whole when they fit", () => {
    const prompt = buildDecisionPrompt({ question: "Degraded?", goal: "Check db", results: { primary: { total: 3 }, topology: rows(3) }, tokenBudget: 3000 });
    expect(prompt.user).toContain("Goal: Check db");
    expect(prompt.user).toContain("Question: Degraded?");
    expect(prompt.user).toContain(`--- primary ---\n{"total":3}`);
    expect(prompt.user).toContain(JSON.stringify(rows(3)));
    expect(prompt.truncated).toEqual([]);
    expect(prompt.user).not.toContain(`${TRUNCATION_MARKER}:`);
    expect(prompt.system).toMatch(/"then" if the answer to the question is yes, "else" if it is no/);
  });

  it("truncates fairly: a small result stays whole, large ones share the rest, each cut is marked", () => {
    const prompt = buildDecisionPrompt({
      question: "Degraded?",
      results: { small: { ok: true }, big1: rows(400), big2: rows(400) },
      tokenBudget: 1000,
    });
    expect(prompt.truncated).toEqual(["big1", "big2"]);
    expect(prompt.user).toContain(`--- small ---\n{"ok":true}`);
    const sections = prompt.user.split(/--- \w+ ---\n/).slice(1);
    expect(sections).toHaveLength(3);
    const [, big1, big2] = sections.map((s) => s.trimEnd());
    expect(big1).toMatch(/…\[truncated: \d+ of \d+ characters shown\]$/);
    expect(big2).toMatch(/…\[truncated: \d+ of \d+ characters shown\]$/);
    expect(Math.abs(big1!.length - big2!.length)).toBeLessThanOrEqual(2);
    expect(prompt.system.length + prompt.user.length).toBeLessThanOrEqual(1000 * 4);
  });

  it("stays within the budget for any results", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue(), { maxKeys: 6 }), fc.integer({ min: 400, max: 3000 }), (results, budget) => {
        const prompt = buildDecisionPrompt({ question: "q?", goal: "g", results, tokenBudget: budget });
        expect(prompt.system.length + prompt.user.length).toBeLessThanOrEqual(budget * 4);
      }),
      { numRuns: 200 },
    );
  });

  it("cuts an enormous question or goal instead of the whole budget", () => {
    const prompt = buildDecisionPrompt({ question: "why? ".repeat(5000), goal: "g".repeat(50_000), results: { a: 1 }, tokenBudget: 1000 });
    expect(prompt.user).toContain(TRUNCATION_MARKER);
    expect(prompt.user).toContain("--- a ---\n1");
    expect(prompt.system.length + prompt.user.length).toBeLessThanOrEqual(4000);
  });

  it("serialises results that JSON cannot (cycles, BigInt, undefined) without throwing", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const prompt = buildDecisionPrompt({ question: "q", results: { cyclic, big: 10n, none: undefined }, tokenBudget: 3000 });
    expect(prompt.user).toContain(`{"name":"loop","self":"[circular]"}`);
    expect(prompt.user).toContain(`--- big ---\n"10"`);
    expect(prompt.user).toContain(`--- none ---\nnull`);
  });
});
