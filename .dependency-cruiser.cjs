/**
 * plangraph's layers, lowest first. A module may import its own layer and the layers below it,
 * never one above: data flows plan → analysis → engine → LangGraph binding → API → surfaces.
 * `npm test` runs this (test/architecture/layers.test.ts); `npm run lint:deps` prints the details.
 */
const LAYERS = [
  ["model", "^src/model/"],
  ["refs", "^src/refs/"],
  ["conditions", "^src/conditions/"],
  ["plan", "^src/plan/"],
  ["policy", "^src/policy/"],
  ["tools", "^src/tools/"],
  ["tool packs", "^tools/"],
  ["mcp", "^src/mcp/"],
  ["default registry", "^src/registry/"],
  ["analysis", "^src/analysis/"],
  ["decide", "^src/decide/"],
  ["engine", "^src/engine/"],
  ["telemetry", "^src/telemetry/"],
  ["durability", "^src/durability/"],
  ["langgraph", "^src/langgraph/"],
  ["api", "^src/api/"],
  ["queue", "^src/queue/"],
  ["auth", "^src/auth/"],
  ["report", "^src/report/"],
  ["agents", "^src/agents/"],
  ["public api", "^src/index\\.ts$"],
  ["cli", "^src/cli/"],
  ["graphs", "^graphs/"],
];

const upward = LAYERS.flatMap(([name, path], i) => {
  const above = LAYERS.slice(i + 1).map(([, p]) => p);
  if (above.length === 0) return [];
  return [{
    name: `layer:${name}`,
    comment: `${name} may import only its own layer and the layers below it`,
    severity: "error",
    from: { path },
    to: { path: above },
  }];
});

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "import cycles hide which module owns what", from: {}, to: { circular: true } },
    ...upward,
    {
      name: "pure-layers-without-langgraph",
      comment: "analysis, references, conditions and the plan model are pure: they never speak LangGraph",
      severity: "error",
      from: { path: "^src/(model|refs|conditions|plan|analysis)/" },
      to: { path: "node_modules/@langchain/langgraph" },
    },
    {
      name: "src-not-from-tests",
      severity: "error",
      from: { path: "^(src|tools|graphs)/" },
      to: { path: "^(test|bench|scripts|examples)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js", ".mjs"] },
  },
};
