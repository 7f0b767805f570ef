import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../src/report/index.js";
import { OPS_RUN } from "./fixtures/ops-run.js";
import { SERIAL_RUN } from "./fixtures/serial-run.js";
import { BRANCH_RUN } from "./fixtures/branch-run.js";
import { syntheticRun } from "./fixtures/synthetic.js";

/**
 * The report in a real browser: Debian's Chromium (installed by .ci/chromium.sh), driven by
 * playwright-core. Checks what only a browser can tell (the page loads nothing, its script runs
 * under its own CSP, the SVG really lays out without overlaps) and saves the screenshot
 * test-artifacts/report.png.
 */

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ARTIFACTS = join(ROOT, "test-artifacts");
const TITLE = HAVE_CHROMIUM
  ? "the report in headless Chromium"
  : `the report in headless Chromium — SKIPPED: ${CHROMIUM} is missing (install it with: bash .ci/chromium.sh)`;

if (!HAVE_CHROMIUM) console.warn(`[report browser test] skipped: ${CHROMIUM} not found; run \`bash .ci/chromium.sh\` to install it`);

describe.skipIf(!HAVE_CHROMIUM)(TITLE, () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];
  let reportUrl: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "report.html");
    writeFileSync(file, renderReport(OPS_RUN));
    reportUrl = pathToFileURL(file).href;
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
    page.on("request", (req) => requests.push(req.url()));
    await page.goto(reportUrl, { waitUntil: "load" });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("loads only the report file itself, with no console errors or CSP violations", () => {
    expect(requests).toEqual([reportUrl]);
    expect(problems).toEqual([]);
  });

  it("draws one graph node per step and one timeline bar per step that ran", async () => {
    const steps = OPS_RUN.graph.nodes.filter((n) => n.kind === "step").length;
    expect(await page.locator("svg.graph g.node[data-kind=step]").count()).toBe(steps);
    expect(await page.locator("svg.graph g.node[data-kind=decision] polygon").count()).toBe(2);
    const timed = Object.keys(OPS_RUN.result.timings!).sort();
    const barIds = await page.locator(".timeline .bar[data-step]").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")!));
    expect(barIds.sort()).toEqual(timed);
  });

  it("marks the critical path in the graph and the timeline, in the accent colour", async () => {
    const nodes = await page
      .locator("svg.graph g.node[data-critical=true]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
    expect(nodes).toEqual(OPS_RUN.result.critical_path);
    // (page functions are passed as source text: this project's tsconfig has no DOM types)
    const colours = await page.evaluate<{ cpRgb: string; edge: string; plain: string }>(`(() => {
      const cp = getComputedStyle(document.documentElement).getPropertyValue("--cp").trim();
      const edge = document.querySelector("svg.graph g.edge.cp path");
      const plain = document.querySelector("svg.graph g.edge:not(.cp):not(.back):not(.not-taken) path");
      const probe = document.createElement("div");
      probe.style.color = cp;
      document.body.append(probe);
      const cpRgb = getComputedStyle(probe).color;
      probe.remove();
      return { cpRgb, edge: getComputedStyle(edge).stroke, plain: getComputedStyle(plain).stroke };
    })()`);
    expect(colours.edge).toBe(colours.cpRgb);
    expect(colours.plain).not.toBe(colours.cpRgb);
    expect(await page.locator("svg.graph g.edge.cp").count()).toBe(5);
    const bars = await page.locator(".timeline .bar[data-critical=true]").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
    expect(bars.sort()).toEqual(["graph", "neighbour_metrics", "primary", "summarize"]);
  });

  it("lays the graph out without overlapping nodes, inside the drawing", async () => {
    const boxes = await page.locator("svg.graph g.node").evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { id: e.getAttribute("data-step")!, x: r.x, y: r.y, w: r.width, h: r.height };
      }),
    );
    const svg = (await page.locator("svg.graph").boundingBox())!;
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(svg.x - 0.5);
      expect(b.y).toBeGreaterThanOrEqual(svg.y - 0.5);
      expect(b.x + b.w).toBeLessThanOrEqual(svg.x + svg.width + 0.5);
      expect(b.y + b.h).toBeLessThanOrEqual(svg.y + svg.height + 0.5);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const overlap = a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5;
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
  });

  it("puts timeline bars where their times say, on one shared axis", async () => {
    type Box = { x: number; width: number };
    const geometry = await page.evaluate<{ track: Box; primary: Box; summarize: Box; metric: Box }>(`(() => {
      const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, width: r.width }; };
      const track = box(document.querySelector(".tl-row .tl-track"));
      const bar = (id) => box(document.querySelector('.bar[data-step="' + id + '"]'));
      return { track, primary: bar("primary"), summarize: bar("summarize"), metric: bar("metric") };
    })()`);
    const at = (ms: number) => geometry.track.x + (ms / 1458) * geometry.track.width;
    expect(geometry.primary.x).toBeCloseTo(at(0), 0);
    expect(geometry.metric.x).toBeCloseTo(at(656), 0);
    expect(geometry.summarize.x + geometry.summarize.width).toBeCloseTo(at(1458), 0);
  });

  it("saves a full-page screenshot to test-artifacts/report.png, and the first screen to report-top.png", async () => {
    const file = join(ARTIFACTS, "report.png");
    await page.screenshot({ path: file, fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, "report-top.png") });
    expect(existsSync(file)).toBe(true);
  });

  it("shows the plan's answer on the first screen, above the figures", async () => {
    const answer = (await page.locator("section.answer .answer-text").boundingBox())!;
    const kpis = (await page.locator(".kpis").boundingBox())!;
    expect(answer.y + answer.height).toBeLessThan(900);
    expect(answer.y).toBeLessThan(kpis.y);
    expect(await page.locator("section.answer .answer-text").textContent()).toBe(OPS_RUN.result.answer);
  });

  it("keeps branch labels clear: none sits on another edge's line", async () => {
    const branchy = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    await branchy.setContent(renderReport(BRANCH_RUN), { waitUntil: "load" });
    await branchy.screenshot({ path: join(ARTIFACTS, "report-branch.png"), fullPage: true });
    for (const target of [page, branchy]) expect(await labelsOnOtherEdges(target), target === page ? "ops fixture" : "branch run").toEqual([]);
    await branchy.close();
  });

  /** Samples each label's box and asks the browser what is painted there. */
  async function labelsOnOtherEdges(target: Page): Promise<string[]> {
    return target.evaluate<string[]>(`(() => {
      const out = [];
      for (const t of document.querySelectorAll("svg.graph text.edge-label")) {
        const own = t.parentElement;
        const r = t.getBoundingClientRect();
        for (let x = r.left; x <= r.right; x += 1) for (let y = r.top; y <= r.bottom; y += 1) {
          for (const el of document.elementsFromPoint(x, y)) {
            const g = el.closest("g.edge");
            if (el.tagName === "path" && g && g !== own) out.push(t.textContent + " → " + own.getAttribute("data-to") + " sits on " + g.getAttribute("data-from") + " → " + g.getAttribute("data-to"));
          }
        }
      }
      return [...new Set(out)];
    })()`);
  }

  it("keeps branch labels apart: no two edge labels overlap", async () => {
    const labels = await page.locator("svg.graph text.edge-label").evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { text: e.textContent, to: e.parentElement!.getAttribute("data-to"), x: r.x, y: r.y, w: r.width, h: r.height };
      }),
    );
    expect(labels.filter((l) => l.text === "then").length).toBeGreaterThanOrEqual(3);
    const gap = 2;
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i]!;
        const b = labels[j]!;
        const near = a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
        expect(near, `label "${a.text}" → ${a.to} crowds "${b.text}" → ${b.to}`).toBe(false);
      }
    }
  });

  it("keeps every bar's text inside its track, off the row's critical-path badge, even for a bar spanning the run", async () => {
    const p = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    await p.setContent(renderReport(SERIAL_RUN), { waitUntil: "load" });
    await p.screenshot({ path: join(ARTIFACTS, "report-serial.png"), fullPage: true });
    for (const target of [p, page]) {
      type Box = { left: number; right: number; top: number; bottom: number };
      const rows = await target.evaluate<Array<{ id: string; text: Box | null; badge: Box | null; track: Box | null }>>(`(() => {
        const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
        return [...document.querySelectorAll(".timeline .tl-row")].map((row) => ({
          id: row.getAttribute("data-step"),
          text: box(row.querySelector(".bar-text")),
          badge: box(row.querySelector(".cp-tag")),
          track: box(row.querySelector(".tl-track")),
        }));
      })()`);
      for (const row of rows) {
        if (!row.text) continue;
        expect(row.text.left, `${row.id}: text starts left of its track`).toBeGreaterThanOrEqual(row.track!.left - 1);
        expect(row.text.right, `${row.id}: text runs past its track`).toBeLessThanOrEqual(row.track!.right + 12);
        if (row.badge) expect(row.text.left >= row.badge.right || row.text.right <= row.badge.left, `${row.id}: text over the CP badge`).toBe(true);
      }
    }
    await p.close();
  }, 30_000);

  it("runs its script under its own CSP: hovering a node highlights its timeline row", async () => {
    await page.locator('svg.graph g.node[data-step="graph"]').hover();
    await expect.poll(() => page.locator('.tl-row[data-step="graph"]').getAttribute("class")).toContain("hl");
    await page.mouse.move(0, 0);
  });

  it("opens a step's details when its graph node is clicked", async () => {
    const details = page.locator("details#step-metric");
    expect(await details.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
    await page.locator('svg.graph g.node[data-step="metric"] a').click();
    await expect.poll(() => details.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    await page.evaluate(`(() => {
      document.querySelector("details#step-metric").open = false;
      history.replaceState(null, "", location.pathname);
      window.scrollTo(0, 0);
    })()`);
  });

  it("shows hostile output as text: no element, no script from data", async () => {
    const hostile = `</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
    const html = renderReport({
      ...OPS_RUN,
      title: hostile,
      result: { ...OPS_RUN.result, results: { ...OPS_RUN.result.results, primary: { text: hostile } }, warnings: [hostile] },
    });
    const p = await browser.newPage();
    const loads: string[] = [];
    p.on("request", (r) => loads.push(r.url()));
    await p.setContent(html, { waitUntil: "load" });
    expect(await p.evaluate("typeof window.__pwned")).toBe("undefined");
    expect(await p.locator("img").count()).toBe(0);
    expect(await p.locator("script").count()).toBe(1);
    expect(await p.locator("h1").textContent()).toBe(hostile);
    expect(await p.locator("details#step-primary pre.json").last().textContent()).toContain(hostile.replace(/"/g, '\\"'));
    expect(loads.filter((u) => !u.startsWith("about:") && !u.startsWith("data:"))).toEqual([]);
    await p.close();
  }, 30_000);

  it("renders a 1,000-step report with every node and bar", async () => {
    const input = syntheticRun(1000);
    const p = await browser.newPage();
    await p.setContent(renderReport(input), { waitUntil: "load" });
    expect(await p.locator("svg.graph g.node[data-kind=step]").count()).toBe(1000);
    expect(await p.locator(".timeline .bar[data-step]").count()).toBe(Object.keys(input.result.timings!).length);
    await p.close();
  }, 60_000);
});
