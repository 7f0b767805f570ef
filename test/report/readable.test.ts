import { describe, expect, it } from "vitest";
import { renderReport, valueView, type ReportInput } from "../../src/report/index.js";
import { speedSentence } from "../../src/report/html.js";
import { redactSecrets, secretsFromEnv } from "../../src/report/redact.js";
import { labelSide } from "../../src/report/timeline.js";
import { runResult } from "./fixtures/result.js";

const oneStep = (result: Partial<ReportInput["result"]>): ReportInput => ({
  title: "t.plan.json",
  generatedAt: "2026-01-01T00:00:00Z",
  graph: { nodes: [{ id: "a", kind: "step", tool: "ci_search" }], edges: [] },
  result: runResult({ timings: { a: { start_ms: 0, end_ms: 5 } }, ...result }),
});

describe("values drawn for people", () => {
  it("draws a list of records as a table with a column per field, first seen first", () => {
    const view = valueView([{ id: "a", n: 1 }, { id: "b", extra: true }], { maxChars: 10_000 });
    expect(view.html).toContain(`<thead><tr><th class="num">#</th><th>id</th><th>n</th><th>extra</th></tr></thead>`);
    expect(view.html).toContain(`<td class="num"><span class="v-lit">1</span></td>`);
    expect(view.html).toContain(`<td class="muted">—</td>`); // a field a row does not have
    expect(view.lossy).toBe(false);
  });

  it("shows the first rows of a long list and says how many there are", () => {
    const view = valueView(Array.from({ length: 120 }, (_, i) => ({ i })), { maxChars: 100_000, maxRows: 50 });
    expect(view.html.match(/<tr><td class="num muted">/g)).toHaveLength(50);
    expect(view.html).toContain("Showing 50 of 120 rows");
    expect(view.lossy).toBe(true);
  });

  it("draws objects as key/value tables, short lists as chips, and folds long text", () => {
    const long = "word ".repeat(200);
    const view = valueView({ ids: ["x-1", "x-2"], note: long, nested: { deep: { deeper: { deepest: 1 } } } }, { maxChars: 100_000 });
    expect(view.html).toContain(`<table class="v-kv">`);
    expect(view.html).toContain(`<span class="v-inline"><span class="v-item">x-1</span><span class="v-item">x-2</span></span>`);
    expect(view.html).toMatch(/<details class="v-long"><summary>word word[^<]*… <span class="muted">\(1,000 characters\)<\/span><\/summary>/);
    expect(view.html).toContain(`<code class="v-json">{ &quot;deepest&quot;: 1 }</code>`); // past maxDepth: compact JSON
  });

  it("never shows more than its character budget, and says it cut", () => {
    const view = valueView({ text: "y".repeat(5000) }, { maxChars: 1000 });
    expect(view.used).toBe(1000);
    expect(view.lossy).toBe(true);
    expect(view.html).not.toMatch(/y{1000}/);
  });

  it("escapes every key and value", () => {
    const view = valueView([{ "<b>": "<script>x</script>" }], { maxChars: 1000 });
    expect(view.html).not.toMatch(/<(b|script)>/);
    expect(view.html).toContain("&lt;script&gt;x&lt;/script&gt;");
  });
});

describe("the run's speed in plain words", () => {
  it("says when a run was as fast as its dependencies allow", () => {
    expect(speedSentence(1458, 1454, 4)).toBe("Finished in 1.46 s; its longest chain of dependent steps (4) takes 1.45 s: as fast as those dependencies allow.");
  });

  it("says how much went to waiting beyond the longest chain", () => {
    expect(speedSentence(2000, 1050, 3)).toBe(
      "Finished in 2 s; its longest chain of dependent steps (3) takes 1.05 s: 950 ms went to waiting beyond that chain (queueing, concurrency limits, overhead).",
    );
  });

  it("says only the time when nothing ran in a chain", () => {
    expect(speedSentence(0, 0, 0)).toBe("Finished in 0 ms.");
  });
});

describe("bar text placement", () => {
  it("puts the text after a bar, before it, or inside a bar that spans the track", () => {
    expect(labelSide(0, 100, 1000, 40)).toBe("after");
    expect(labelSide(800, 990, 1000, 40)).toBe("before");
    expect(labelSide(2, 17618, 17883, 40)).toBe("inside");
  });
});

describe("errors", () => {
  it("names the error code beside a message that does not already start with it", () => {
    const html = renderReport(oneStep({ status: "failed", errors: { a: "the database is down" }, error_codes: { a: "TOOL_FAILED" }, inputs: { a: { query: "x" } } }));
    expect(html).toContain(`<span class="pill code">TOOL_FAILED</span> the database is down`);
    expect(html).toContain(`called <code class="inline-json"><span class="call-tool">ci_search</span> { &quot;query&quot;: &quot;x&quot; }</code>`);
  });
});

describe("secrets of the environment", () => {
  const env = {
    OPENAI_API_KEY: "sk-test-0123456789abcdef",
    DATABASE_URL: "postgres://plangraph:s3cr3t-pw@db.internal:5432/plangraph",
    PLANGRAPH_AUTH_JWT_SECRET: "jwt-signing-secret-value",
    HOME: "/home/ops",
    PORT: "2024",
  };

  it("finds secret-named variables and passwords inside connection URLs, nothing else", () => {
    const secrets = secretsFromEnv(env);
    expect(secrets.map((s) => s.value).sort()).toEqual(["jwt-signing-secret-value", "s3cr3t-pw", "sk-test-0123456789abcdef"]);
  });

  it("never renders them: not in outputs, inputs, errors, warnings or the answer", () => {
    const html = renderReport(
      oneStep({
        status: "failed",
        results: { a: { url: env.DATABASE_URL } },
        inputs: { a: { headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } } },
        errors: { a: `401 for key ${env.OPENAI_API_KEY}` },
        warnings: [`token ${env.PLANGRAPH_AUTH_JWT_SECRET}`],
        answer: `connected with ${env.DATABASE_URL}`,
      }),
      { secrets: secretsFromEnv(env) },
    );
    for (const secret of ["sk-test-0123456789abcdef", "s3cr3t-pw", "jwt-signing-secret-value"]) expect(html).not.toContain(secret);
    expect(html).toContain("[redacted: OPENAI_API_KEY]");
    expect(html).toContain("postgres://plangraph:[redacted: DATABASE_URL password]@db.internal:5432/plangraph");
  });

  it("reads the process environment when no secrets are given", () => {
    process.env.PLANGRAPH_TEST_REPORT_TOKEN = "tok-visible-nowhere-42";
    try {
      const html = renderReport(oneStep({ results: { a: { echoed: "tok-visible-nowhere-42" } } }));
      expect(html).not.toContain("tok-visible-nowhere-42");
      expect(html).toContain("[redacted: PLANGRAPH_TEST_REPORT_TOKEN]");
    } finally {
      delete process.env.PLANGRAPH_TEST_REPORT_TOKEN;
    }
  });

  it("leaves keys named __proto__ as plain keys when it copies", () => {
    const copy = redactSecrets(JSON.parse(`{"__proto__": {"polluted": "sk-test-0123456789abcdef"}}`) as Record<string, unknown>, secretsFromEnv(env));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(["__proto__"]);
    expect(JSON.stringify(copy)).toContain("[redacted: OPENAI_API_KEY]");
  });
});
