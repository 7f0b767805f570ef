import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renderReport } from "../../src/report/index.js";
import { OPS_RUN } from "./fixtures/ops-run.js";
import { syntheticRun } from "./fixtures/synthetic.js";

describe("a report is one self-contained file", () => {
  const pages = { "the ops fixture": renderReport(OPS_RUN), "a 200-step run": renderReport(syntheticRun(200)) };

  for (const [name, html] of Object.entries(pages)) {
    it(`names no URL and loads nothing (${name})`, () => {
      expect(html).not.toMatch(/https?:\/\//i);
      expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}\//i); // protocol-relative
      expect(html).not.toMatch(/@import/i);
      expect(html).not.toMatch(/url\((?!#)/i); // only same-document references such as url(#arrow)
      expect(html).not.toMatch(/\ssrc\s*=/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(html).not.toMatch(/<(img|iframe|object|embed|video|audio|source)\b/i);
      expect(html).not.toMatch(/<script[^>]*\ssrc/i);
      expect(html).not.toMatch(/\bfont-face\b/i);
    });

    it(`links only inside the page (${name})`, () => {
      const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!);
      expect(hrefs.length).toBeGreaterThan(0);
      for (const href of hrefs) expect(href.startsWith("#"), href).toBe(true);
    });
  }

  it("forbids all loads in a Content-Security-Policy and allows its one script by hash", () => {
    const html = pages["the ops fixture"];
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash("sha256").update(script).digest("base64");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
  });

  it("stays usable without JavaScript: results are <details>, tooltips are <title>/title", () => {
    const html = pages["the ops fixture"];
    expect(html.match(/<details class="step/g)).toHaveLength(12);
    expect(html).toMatch(/<g class="node[^"]*"[^>]*><title>/);
    expect(html).toMatch(/class="bar [^"]*"[^>]*title="/);
  });
});
