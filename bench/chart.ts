/** A grouped bar chart as a standalone SVG: makespan / critical path by shape (groups) and engine (bars). */

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface ChartInput {
  title: string;
  shapes: string[];
  engines: string[];
  /** value[engine][shape]: a ratio ≥ 1, drawn on a log scale. */
  value: Record<string, Record<string, number>>;
  /** The y axis's caption. */
  axisLabel?: string;
  /** Dashed reference lines, e.g. the 1.05 target. */
  references?: Array<{ at: number; label: string }>;
}

export function ratioChart(input: ChartInput): string {
  const width = 1000;
  const height = 460;
  const margin = { top: 48, right: 20, bottom: 70, left: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const values = input.engines.flatMap((e) => input.shapes.map((s) => input.value[e]?.[s] ?? 1));
  const top = Math.max(2, ...values.filter(Number.isFinite)) * 1.3;
  // Log scale from just under 1, so a 1.002 still shows as a stub and a 8× still fits.
  const floor = 0.9;
  const y = (v: number) => margin.top + plotH - (Math.log(Math.max(floor, v) / floor) / Math.log(top / floor)) * plotH;
  const groupW = plotW / input.shapes.length;
  const barW = Math.min(18, (groupW - 12) / input.engines.length);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(input.title)}</text>`);
  const ticks = [1, 1.25, 1.5, 2, 3, 5, 10, 20, 50, 100, 200].filter((t) => t <= top);
  for (const t of ticks) {
    out.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${margin.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${t}×</text>`);
  }
  for (const ref of input.references ?? []) {
    out.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(ref.at).toFixed(1)}" y2="${y(ref.at).toFixed(1)}" stroke="#d62728" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${margin.left + 4}" y="${(y(ref.at) - 4).toFixed(1)}" fill="#d62728">${escapeXml(ref.label)}</text>`);
  }
  input.shapes.forEach((shape, i) => {
    const x0 = margin.left + i * groupW + (groupW - barW * input.engines.length) / 2;
    input.engines.forEach((engine, j) => {
      const v = input.value[engine]?.[shape];
      if (v === undefined || !Number.isFinite(v)) return;
      const x = x0 + j * barW;
      const yTop = y(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${yTop.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(margin.top + plotH - yTop).toFixed(1)}" fill="${PALETTE[j % PALETTE.length]}"><title>${escapeXml(`${engine} · ${shape}: ${v.toFixed(3)}×`)}</title></rect>`,
      );
      const cx = x + (barW - 2) / 2 + 3;
      out.push(`<text transform="translate(${cx.toFixed(1)} ${(yTop - 3).toFixed(1)}) rotate(-90)" font-size="8" fill="#333">${v < 10 ? v.toFixed(2) : v.toFixed(1)}</text>`);
    });
    out.push(`<text x="${(margin.left + (i + 0.5) * groupW).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle">${escapeXml(shape)}</text>`);
  });
  out.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`);
  out.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(input.axisLabel ?? "makespan / critical path (median, log scale)")}</text>`);
  let lx = margin.left;
  const ly = height - 22;
  input.engines.forEach((engine, j) => {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${PALETTE[j % PALETTE.length]}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly}">${escapeXml(engine)}</text>`);
    lx += 14 + engine.length * 6.5 + 18;
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** Several charts of the same width, one above the other, as one SVG document. */
export function stackCharts(charts: string[], width = 1000, height = 460): string {
  const inner = charts.map((chart, i) => chart.replace("<svg ", `<svg y="${i * height}" `));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height * charts.length}" viewBox="0 0 ${width} ${height * charts.length}">\n${inner.join("")}</svg>\n`;
}
