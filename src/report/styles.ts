/**
 * The report's stylesheet, inlined into the page: system fonts only (nothing fetched), outcome
 * colours as variables shared by the graph, the timeline and the results.
 */
export const REPORT_CSS = `
:root {
  --bg: #f5f6f8; --panel: #fff; --border: #e2e5e9; --line: #eef0f3; --text: #1d2330; --muted: #6b7380;
  --done: #2f9e44; --done-bg: #ebfbee; --done-bar: #51b86a;
  --failed: #d6336c; --failed-bg: #fff0f3; --failed-bar: #e8547f;
  --skipped: #8b939c; --skipped-bg: #f1f3f5; --skipped-bar: #c3c9cf;
  --pending: #e8890c; --pending-bg: #fff8e6; --pending-bar: #f4a733;
  --notrun: #adb5bd; --notrun-bg: #fff; --notrun-bar: #dee2e6;
  --cp: #6741d9; --cp-soft: rgba(103, 65, 217, .14); --loop: #0c8599;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; font: 13px/1.45 var(--sans); color: var(--text); }
a { color: inherit; }
.page { max-width: 1320px; margin: 0 auto; padding: 20px 24px 48px; }
header.top { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: 8px 24px; margin-bottom: 14px; }
header.top h1 { margin: 0; font-size: 20px; font-weight: 650; letter-spacing: -.01em; word-break: break-all; }
header.top .kicker { font-size: 11px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); margin-bottom: 2px; }
header.top .goal { margin: 4px 0 0; color: #3b4250; max-width: 80ch; }
header.top .meta { color: var(--muted); font-size: 12px; text-align: right; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-bottom: 16px; }
.kpi { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 10px 14px; min-width: 0; }
.kpi .k { font-size: 11px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
.kpi .v { font-size: 20px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.kpi .h { font-size: 11.5px; color: var(--muted); margin-top: 1px; }
.kpi.kpi-cp .v { color: var(--cp); }
.status-badge { display: inline-block; font-size: 13px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; padding: 3px 10px; border-radius: 999px; vertical-align: 3px; }
.status-completed { background: var(--done-bg); color: var(--done); }
.status-failed { background: var(--failed-bg); color: var(--failed); }
.status-interrupted { background: var(--pending-bg); color: #b35c00; }
.status-other { background: var(--skipped-bg); color: #495057; }
.counts { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12.5px; margin-top: 6px; }
.counts span { white-space: nowrap; }
section.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; margin-bottom: 16px; overflow: hidden; }
section.panel > h2 { margin: 0; padding: 10px 16px; font-size: 13px; font-weight: 650; border-bottom: 1px solid var(--border); background: #fafbfc; display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
section.panel > .inner { padding: 14px 16px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-weight: 400; font-size: 12px; color: var(--muted); margin-left: auto; }
.legend span { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.sw { width: 11px; height: 11px; border-radius: 3px; display: inline-block; border: 1.5px solid; }
.sw.o-done { background: var(--done-bg); border-color: var(--done); }
.sw.o-failed { background: var(--failed-bg); border-color: var(--failed); }
.sw.o-skipped { background: var(--skipped-bg); border-color: var(--skipped); border-style: dashed; }
.sw.o-pending { background: var(--pending-bg); border-color: var(--pending); }
.sw.o-notrun { background: #fff; border-color: var(--notrun); border-style: dotted; }
.sw.cp { background: var(--cp-soft); border-color: var(--cp); border-width: 2.5px; }
.sw.loop { border: 0; border-top: 2px dashed var(--loop); border-radius: 0; height: 0; width: 16px; }
.sw.cond { border: 0; border-top: 2px dashed #868e96; border-radius: 0; height: 0; width: 16px; }
.graph-wrap { overflow: auto; max-height: 78vh; padding: 4px; }
svg.graph { display: block; margin: 0 auto; font-family: var(--sans); }
svg.graph.fit { width: 100%; height: auto; }
svg.graph .edge path { fill: none; stroke: #9aa3ad; stroke-width: 1.4; }
svg.graph .edge.conditional path { stroke-dasharray: 5 4; }
svg.graph .edge.not-taken path { stroke: #d5dadf; }
svg.graph .edge.back path { stroke: var(--loop); stroke-dasharray: 2 3; stroke-width: 1.6; }
svg.graph .edge.cp path { stroke: var(--cp); stroke-width: 2.6; }
svg.graph .edge-label { font-size: 10.5px; font-weight: 600; fill: #5c6570; text-anchor: middle; paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
svg.graph .edge.not-taken .edge-label { fill: #adb5bd; }
svg.graph .edge.back .edge-label { fill: var(--loop); }
svg.graph .edge.cp .edge-label { fill: var(--cp); }
svg.graph .node a { cursor: pointer; text-decoration: none; }
svg.graph .node .shape { stroke-width: 1.5; }
svg.graph .node .node-id { font-size: 12.5px; font-weight: 600; fill: var(--text); }
svg.graph .node .node-sub { font-size: 11px; fill: var(--muted); }
svg.graph .o-done .shape { fill: var(--done-bg); stroke: var(--done); }
svg.graph .o-done .strip { fill: var(--done); }
svg.graph .o-failed .shape { fill: var(--failed-bg); stroke: var(--failed); }
svg.graph .o-failed .strip { fill: var(--failed); }
svg.graph .o-skipped .shape { fill: var(--skipped-bg); stroke: var(--skipped); stroke-dasharray: 4 3; }
svg.graph .o-skipped .strip { fill: var(--skipped); }
svg.graph .o-skipped .node-id { fill: #737b84; }
svg.graph .o-pending .shape { fill: var(--pending-bg); stroke: var(--pending); }
svg.graph .o-pending .strip { fill: var(--pending); }
svg.graph .o-notrun .shape { fill: #fff; stroke: var(--notrun); stroke-dasharray: 1.5 2.5; }
svg.graph .o-notrun .strip { fill: var(--notrun-bar); }
svg.graph .node.cp .shape { stroke: var(--cp); stroke-width: 2.6; }
svg.graph .node .badge rect { fill: #fff; stroke: #ced4da; }
svg.graph .node .badge text { font-size: 9.5px; font-weight: 700; fill: #495057; }
svg.graph .o-failed .badge rect { stroke: var(--failed); }
svg.graph .o-failed .badge text { fill: var(--failed); }
svg.graph .node.cached .badge rect { fill: #f1f3f5; }
svg.graph .node.hl .shape, svg.graph .node:hover .shape { filter: drop-shadow(0 1px 3px rgba(0,0,0,.25)); }
.tl-warm { margin: -6px 0 10px; font-size: 12px; color: var(--muted); }
.cp-chain { margin: 0 0 12px; font-size: 12.5px; line-height: 1.7; }
.cp-chain .k { font-size: 11px; font-weight: 650; letter-spacing: .06em; text-transform: uppercase; color: var(--cp); margin-right: 6px; }
.cp-chain a { color: var(--cp); font-weight: 600; text-decoration: none; background: var(--cp-soft); border-radius: 4px; padding: 1px 6px; white-space: nowrap; }
.cp-chain .arrow { color: var(--cp); margin: 0 5px; }
.timeline { font-size: 12px; --label-w: 270px; }
.tl-axis, .tl-row { display: flex; align-items: stretch; }
.tl-label { width: var(--label-w); flex: none; display: flex; align-items: center; gap: 6px; padding: 0 10px 0 2px; min-width: 0; white-space: nowrap; overflow: hidden; }
.tl-track { position: relative; flex: 1; min-width: 0; margin-right: 12px; }
.tl-row .tl-track { clip-path: inset(-4px -12px -4px -6px); }
.tl-axis { height: 24px; border-bottom: 1px solid var(--border); color: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
.tl-head { font-weight: 600; text-transform: uppercase; letter-spacing: .06em; font-size: 10.5px; }
.tick { position: absolute; top: 5px; transform: translateX(-50%); white-space: nowrap; }
.tick.first { transform: none; }
.tick.last { transform: translateX(-100%); }
.tl-rows { position: relative; }
.tl-grid { position: absolute; top: 0; bottom: 0; left: var(--label-w); right: 12px; pointer-events: none; }
.grid-line { position: absolute; top: 0; bottom: 0; width: 0; border-left: 1px solid var(--line); }
.makespan-line { position: absolute; top: 0; bottom: 0; width: 0; border-left: 1.5px dashed #adb5bd; }
.tl-row { height: 26px; border-bottom: 1px solid #f3f4f6; position: relative; }
.tl-row:nth-child(odd) { background: rgba(248, 249, 250, .6); }
.tl-row:hover, .tl-row.hl { background: #eef2ff; }
.tl-row.decision .tl-id { font-style: italic; }
.tl-id { font-weight: 600; text-decoration: none; overflow: hidden; text-overflow: ellipsis; }
.tl-id:hover { text-decoration: underline; }
.tl-tool { color: var(--muted); font-size: 11px; overflow: hidden; text-overflow: ellipsis; }
.cp-tag { margin-left: auto; font-size: 9.5px; font-weight: 700; color: var(--cp); border: 1px solid var(--cp); border-radius: 3px; padding: 0 3px; line-height: 13px; }
.dot { width: 8px; height: 8px; border-radius: 50%; flex: none; display: inline-block; background: var(--notrun); }
.o-done .dot, .dot.o-done { background: var(--done); }
.o-failed .dot, .dot.o-failed { background: var(--failed); }
.o-skipped .dot, .dot.o-skipped { background: var(--skipped-bar); }
.o-pending .dot, .dot.o-pending { background: var(--pending); }
.tl-row.decision .dot { border-radius: 1px; transform: rotate(45deg) scale(.9); }
.bar { position: absolute; top: 6px; height: 14px; min-width: 2px; border-radius: 3px; background: var(--done-bar); }
.bar.o-failed { background: var(--failed-bar); }
.bar.o-skipped { background: var(--skipped-bar); }
.bar.o-pending { background: var(--pending-bar); }
.bar.o-notrun { background: var(--notrun-bar); }
.bar.cached { background-image: repeating-linear-gradient(135deg, rgba(255,255,255,.55) 0 3px, transparent 3px 6px); }
.bar.cp { box-shadow: 0 0 0 2px var(--panel), 0 0 0 3.5px var(--cp); }
.bar-text { position: absolute; top: -1px; white-space: nowrap; font-size: 11px; color: #3b4250; font-variant-numeric: tabular-nums; display: inline-flex; gap: 4px; align-items: center; }
.bar-text.after { left: 100%; margin-left: 8px; }
.bar-text.before { right: 100%; margin-right: 8px; }
.bar-text.inside { left: 6px; top: 0; color: #fff; font-weight: 600; line-height: 14px; text-shadow: 0 0 2px rgba(0,0,0,.25); }
.tl-note { position: absolute; left: 0; top: 5px; color: var(--muted); font-style: italic; white-space: nowrap; font-size: 11.5px; }
.diamond { position: absolute; top: 7px; width: 12px; height: 12px; margin-left: -6px; }
.diamond::before { content: ""; position: absolute; inset: 1px; background: #fff; border: 2px solid #4c6ef5; transform: rotate(45deg); border-radius: 1px; }
.diamond.cp::before { border-color: var(--cp); background: var(--cp-soft); }
.diamond .bar-text { top: -2px; }
.diamond .bar-text.after { margin-left: 10px; }
.latency { position: absolute; top: 6px; height: 14px; border-radius: 3px; background: rgba(76, 110, 245, .13); border: 1px solid rgba(76, 110, 245, .35); }
.pill { display: inline-block; font-size: 10px; font-weight: 700; line-height: 14px; padding: 0 5px; border-radius: 7px; background: #e9ecef; color: #495057; white-space: nowrap; }
.pill.attempts { background: var(--failed-bg); color: var(--failed); border: 1px solid #f3b6c9; }
.pill.cached { background: #e7f5ff; color: #1864ab; }
.pill.cp { background: var(--cp-soft); color: var(--cp); }
.results h3 { font-size: 12px; font-weight: 650; text-transform: uppercase; letter-spacing: .06em; color: #495057; margin: 18px 0 6px; }
.results h3:first-child { margin-top: 0; }
.count { font-weight: 600; color: var(--muted); background: #f1f3f5; border-radius: 8px; padding: 0 6px; margin-left: 4px; letter-spacing: 0; }
table.list, table.grid { border-collapse: collapse; width: 100%; }
table.list th, table.list td, table.grid th, table.grid td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.list th { width: 220px; font-weight: 600; white-space: nowrap; }
table.grid thead th { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); border-bottom: 1px solid var(--border); }
table.grid td .dot { margin-right: 6px; vertical-align: 1px; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap; }
.msg { white-space: pre-wrap; word-break: break-word; }
table.errors .msg { color: #a61e4d; font-family: var(--mono); font-size: 12px; }
.branch { font-weight: 700; }
.muted { color: var(--muted); }
code, pre { font-family: var(--mono); }
.inline-json { font-size: 11.5px; word-break: break-all; }
.warnings { margin: 0; padding-left: 20px; }
.warnings li { margin: 2px 0; color: #8a5a00; }
details.step { border: 1px solid var(--border); border-radius: 6px; margin: 6px 0; background: #fff; }
details.step > summary { cursor: pointer; list-style: none; display: flex; align-items: center; gap: 8px; padding: 7px 12px; }
details.step > summary::-webkit-details-marker { display: none; }
details.step > summary::before { content: "▸"; color: var(--muted); width: 10px; font-size: 11px; }
details.step[open] > summary::before { content: "▾"; }
details.step[open] > summary { border-bottom: 1px solid var(--line); }
details.step.hl, details.step:target { box-shadow: 0 0 0 2px #bac8ff; }
.step-id { font-weight: 650; word-break: break-all; }
.tool { color: var(--muted); font-family: var(--mono); font-size: 11.5px; }
.status { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.o-done > summary .status { color: var(--done); }
.o-failed > summary .status { color: var(--failed); }
.o-pending > summary .status { color: #b35c00; }
.dur { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; }
.step-body { padding: 8px 12px 12px; }
.step-body .meta { margin: 2px 0 8px; color: var(--muted); }
.step-body .label { margin: 8px 0 4px; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.step-body .label code { text-transform: none; letter-spacing: 0; font-size: 11.5px; color: #1d2330; }
.step-body .sublabel { margin: 6px 0 2px; font-size: 11px; color: var(--muted); }
.error-box { background: var(--failed-bg); border: 1px solid #f7c5d4; color: #a61e4d; border-radius: 5px; padding: 8px 10px; font-family: var(--mono); font-size: 12px; white-space: pre-wrap; word-break: break-word; margin-bottom: 6px; }
pre.json { margin: 0; background: #f8f9fb; border: 1px solid var(--line); border-radius: 5px; padding: 10px 12px; font-size: 12px; line-height: 1.5; overflow: auto; max-height: 480px; white-space: pre; }
.j-key { color: #364fc7; }
.j-str { color: #2b8a3e; }
.j-num { color: #c2255c; }
.j-lit { color: #e8590c; }
.note { font-size: 12px; color: #8a5a00; margin: 4px 0 0; }
.empty { color: var(--muted); font-style: italic; margin: 4px 0; }
section.panel.answer { border-color: #c5d0ff; }
section.panel.answer > h2 { background: #f3f5ff; color: #364fc7; }
.answer-text { margin: 0; font-size: 15px; line-height: 1.55; max-width: 110ch; white-space: pre-wrap; word-break: break-word; }
.answer-caveat { margin: 6px 0 0; font-size: 12px; color: #b35c00; }
.speed { margin: -6px 0 16px; font-size: 13px; color: #3b4250; }
.kpi.kpi-warm .v, .kpi.kpi-approval .v { color: #5c6570; }
.step-body .io { margin-top: 6px; }
.value { font-size: 12.5px; overflow-x: auto; }
table.v-kv { border-collapse: collapse; }
table.v-kv > tbody > tr > th { text-align: left; vertical-align: top; font-weight: 600; color: #495057; padding: 3px 14px 3px 0; white-space: nowrap; font-family: var(--mono); font-size: 11.5px; }
table.v-kv > tbody > tr > td { padding: 3px 0; vertical-align: top; }
.v-table-wrap { overflow-x: auto; max-height: 420px; overflow-y: auto; border: 1px solid var(--line); border-radius: 5px; }
table.v-table { border-collapse: collapse; font-size: 12px; min-width: 100%; }
table.v-table th { position: sticky; top: 0; background: #f8f9fb; text-align: left; font-weight: 600; font-family: var(--mono); font-size: 11px; color: #495057; padding: 4px 10px; border-bottom: 1px solid var(--border); white-space: nowrap; }
table.v-table td { padding: 3px 10px; border-bottom: 1px solid var(--line); vertical-align: top; max-width: 420px; overflow-wrap: break-word; }
.v-str.nowrap { white-space: nowrap; }
.v-count { font-weight: 400; color: var(--muted); font-family: var(--sans); font-size: 10.5px; background: #f1f3f5; border-radius: 6px; padding: 0 4px; }
table.v-table tr:last-child td { border-bottom: 0; }
.v-str { color: #1d2330; }
.v-lit { color: #c2255c; font-family: var(--mono); font-size: 11.5px; }
.v-json { font-size: 11px; color: #495057; background: #f8f9fb; border-radius: 3px; padding: 0 3px; overflow-wrap: break-word; }
.v-inline { display: inline-flex; flex-wrap: wrap; gap: 3px; }
.v-item { background: #f1f3f5; border-radius: 3px; padding: 0 5px; font-size: 11.5px; }
.v-text { white-space: pre-wrap; word-break: break-word; max-width: 110ch; line-height: 1.5; }
details.v-long > summary { cursor: pointer; color: #3b4250; }
details.v-long[open] > summary { margin-bottom: 4px; }
ol.v-list { margin: 0; padding-left: 26px; }
details.raw { margin-top: 6px; }
details.raw > summary { cursor: pointer; font-size: 11px; font-weight: 600; color: var(--muted); letter-spacing: .04em; }
details.raw > pre.json { margin-top: 4px; }
.call { margin-top: 4px; color: #495057; font-family: var(--sans); font-size: 12px; }
.call-tool { font-weight: 700; color: #1d2330; }
.pill.code { background: var(--failed-bg); color: var(--failed); font-family: var(--mono); }
footer { color: var(--muted); font-size: 11.5px; text-align: center; margin-top: 24px; }
@media print { .graph-wrap { max-height: none; overflow: visible; } details.step { break-inside: avoid; } }
`;
