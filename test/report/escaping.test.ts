import { describe, expect, it } from "vitest";
import { escapeHtml, renderReport, type ReportInput } from "../../src/report/index.js";
import { highlightJson, jsonView } from "../../src/report/json-view.js";
import { runResult } from "./fixtures/result.js";

const HOSTILE = [
  `</script><script>window.__pwned = 1</script>`,
  `<img src=x onerror="window.__pwned = 2">`,
  `"><svg onload=alert(3)>`,
  `'><iframe srcdoc="<script>parent.__pwned=4</script>">`,
  `</pre></details><script>alert(5)</script>`,
  `<style>@import "https://evil.example/x.css";</style>`,
  `&lt;already-escaped&gt; & <b>bold</b>`,
];

/** A run where every string the data controls is hostile. */
function hostileRun(): ReportInput {
  const h = (i: number) => HOSTILE[i % HOSTILE.length]!;
  return {
    title: h(0),
    goal: h(1),
    generatedAt: h(2),
    graph: {
      nodes: [
        { id: "fetch", kind: "step", tool: h(3) },
        { id: "gate", kind: "decision" },
        { id: "use", kind: "step", tool: h(4) },
        { id: "other", kind: "step", tool: "t" },
        { id: "ask", kind: "step", tool: h(5) },
      ],
      edges: [
        { from: "fetch", to: "gate" },
        { from: "gate", to: "use", conditional: true, label: h(6) },
        { from: "gate", to: "other", conditional: true, label: "else" },
        { from: "use", to: "ask" },
      ],
    },
    result: runResult({
      status: "interrupted",
      strategy: "DAG",
      answer: h(2),
      results: {
        fetch: { html: HOSTILE, [h(1)]: h(0), nested: { deeper: [h(4), h(5)] } },
        use: h(0),
      },
      errors: { ask: h(1) },
      error_codes: { ask: h(3) },
      inputs: { fetch: { [h(2)]: h(3) }, ask: { q: h(4), list: [{ [h(5)]: h(6) }] } },
      skipped: ["other"],
      decisions: { gate: { branch: "then", source: "llm", reason: h(0), cause: h(3), at_ms: 3, latency_ms: 1 } },
      warnings: HOSTILE,
      timings: { fetch: { start_ms: 0, end_ms: 2 }, use: { start_ms: 5, end_ms: 9 }, ask: { start_ms: 9, end_ms: 12 } },
      makespan_ms: 12,
      critical_path_ms: 11,
      pending: [{ step: "use", tool: h(3), params: { body: h(0) } }],
      skip_reasons: { other: h(1) },
      iterations: { use: [h(0), { x: h(1) }] },
      critical_path: ["fetch", "gate", "use", "ask"],
    }),
  };
}

/** Every start tag in the page, e.g. `<script`, `<img` (case-insensitive, as browsers read them). */
function startTags(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase());
}

describe("escaping untrusted data", () => {
  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });

  it("renders hostile strings from every field as text, never as markup", () => {
    const html = renderReport(hostileRun());
    const tags = startTags(html);
    // the page's own single script, and nothing the data could have added
    expect(tags.filter((t) => t === "script")).toHaveLength(1);
    expect(html.match(/<script/gi)).toHaveLength(1);
    for (const banned of ["img", "iframe", "b"]) expect(tags, `<${banned}> from data`).not.toContain(banned);
    expect(tags.filter((t) => t === "style")).toHaveLength(1);
    // no event-handler attribute on any tag (quoted attribute values are text, so drop them first)
    const handlers = [...html.matchAll(/<[a-zA-Z][^>]*>/g)]
      .map((m) => m[0].replace(/"[^"]*"/g, '""'))
      .filter((tag) => /\son[a-z]+\s*=/i.test(tag));
    expect(handlers).toEqual([]);
    expect(html).not.toContain("</script><script>");
    // the text is still there, escaped, for a person to read
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;");
    expect(html).toContain("&amp;lt;already-escaped&amp;gt;");
  });

  it("keeps the page's only script free of data", () => {
    const html = renderReport(hostileRun());
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(script).not.toContain("pwned");
    expect(script).not.toContain("fetch");
  });

  it("escapes JSON string tokens while highlighting them", () => {
    const out = highlightJson(JSON.stringify({ "<k>": "</script>", n: 1, t: true }, null, 2));
    expect(out).toContain(`<span class="j-key">&quot;&lt;k&gt;&quot;</span>`);
    expect(out).toContain(`<span class="j-str">&quot;&lt;/script&gt;&quot;</span>`);
    expect(out).toContain(`<span class="j-num">1</span>`);
    expect(out).toContain(`<span class="j-lit">true</span>`);
    expect(out.replace(/<\/?span[^>]*>/g, "")).not.toMatch(/[<>]/);
  });

  it("escapes an output cut in the middle of a tag", () => {
    const view = jsonView({ s: "<script>alert(1)</script>".repeat(50) }, 37);
    expect(view.truncated).toBe(true);
    expect(view.html.replace(/<\/?span[^>]*>/g, "")).not.toMatch(/[<>]/);
  });

  it("renders odd but valid ids (dashes, underscores, digits) and links them", () => {
    const ids = ["_x", "a-b", "Z9-_", "step-1", "x".repeat(64)];
    const html = renderReport({
      title: "ids",
      generatedAt: "2026-01-01T00:00:00Z",
      graph: { nodes: ids.map((id) => ({ id, kind: "step" as const })), edges: [{ from: "_x", to: "a-b" }] },
      result: runResult({ timings: Object.fromEntries(ids.map((id, i) => [id, { start_ms: i, end_ms: i + 1 }])) }),
    });
    for (const id of ids) {
      expect(html).toContain(`data-step="${id}"`);
      expect(html).toContain(`id="step-${id}"`);
      expect(html).toContain(`href="#step-${id}"`);
    }
  });
});
