/**
 * Strings a hostile plan may carry: reference paths aimed at prototype pollution and at the known
 * JSONPath-evaluator and property-path exploits. Each entry names where the payload comes from.
 * Step-rooted forms (`{a…}`) are references plangraph must reject at compile time; bare JSONPath
 * forms (`$…`) are not references at all and must travel as inert text.
 */
export interface Payload {
  source: string;
  text: string;
}

/** Reference strings rooted at step `a`: every one must be rejected (BAD_REFERENCE). */
export const REJECTED_REFERENCES: Payload[] = [
  // CVE-2024-21534 (jsonpath-plus < 10.0.7): script filter expressions reach Function via constructor.
  { source: "CVE-2024-21534", text: "{a..[?(@.constructor.constructor('return process')().mainModule.require('child_process').execSync('id'))]}" },
  { source: "CVE-2024-21534", text: "{a[?(@.constructor.constructor('return this.process')())]}" },
  // CVE-2025-1302 (jsonpath-plus < 10.3.0): the bypass of the first fix, via [['constructor']].
  { source: "CVE-2025-1302", text: `{a[?(p="console.log(this.process.mainModule.require('child_process').execSync('id').toString())";a=''[['constructor']][['constructor']](p);a())]}` },
  { source: "CVE-2025-1302", text: "{a[?(@.call ? @.call(this) : 0)]}" },
  // CVE-2026-1615: constructor.constructor chains to reach Function.
  { source: "CVE-2026-1615", text: "{a.constructor.constructor}" },
  { source: "CVE-2026-1615", text: "{a['constructor']['constructor']}" },
  { source: "CVE-2026-1615", text: "{a.data.constructor.constructor('return process')()}" },
  { source: "CVE-2026-1615", text: '{a["\\u0063onstructor"]["constructor"]}' },
  // CVE-2020-8203 (lodash zipObjectDeep/set): __proto__ and constructor.prototype paths.
  { source: "CVE-2020-8203", text: "{a.__proto__.polluted}" },
  { source: "CVE-2020-8203", text: "{a.constructor.prototype.polluted}" },
  { source: "CVE-2020-8203", text: "{a['__proto__']['polluted']}" },
  // CVE-2020-8116 (dot-prop): the same through dotted paths, also deep inside.
  { source: "CVE-2020-8116", text: "{a.data.rows[0].__proto__.isAdmin}" },
  { source: "CVE-2020-8116", text: "{a.data.prototype}" },
  // CVE-2020-15256 / CVE-2021-23434 (object-path): array-typed segments that stringify to __proto__.
  { source: "CVE-2020-15256", text: '{a["__proto__"]["polluted"]}' },
  { source: "CVE-2021-23434", text: "{a[['__proto__']].polluted}" },
  { source: "CVE-2021-23434", text: "{a[['constructor'],['prototype']]}" },
  // RFC 9535 escapes that decode to a forbidden name.
  { source: "escape-encoded __proto__", text: "{a['\\u005f\\u005fproto\\u005f\\u005f']}" },
  { source: "escape-encoded __proto__", text: '{a["__pro\\u0074o__"].x}' },
  { source: "escape-encoded constructor", text: "{a['const\\u0072uctor']['prot\\u006ftype']}" },
  // Evaluator syntax plangraph does not have: wildcards, filters, slices, recursive descent, scripts.
  { source: "JSONPath filter", text: "{a[?(@.x == 1)]}" },
  { source: "JSONPath script", text: "{a[(@.length-1)]}" },
  { source: "JSONPath wildcard", text: "{a.*}" },
  { source: "JSONPath descent", text: "{a..x}" },
  { source: "JSONPath slice", text: "{a[0:2]}" },
  { source: "call syntax", text: "{a.data.toString()}" },
  { source: "template injection", text: "{a.${process.exit(1)}}" },
];

/** Syntactically valid paths that name inherited members: allowed, but they must never reach them. */
export const INHERITED_MEMBERS: Payload[] = [
  { source: "Object.prototype method", text: "{a.toString}" },
  { source: "Object.prototype method", text: "{a.data.hasOwnProperty}" },
  { source: "legacy accessor", text: "{a.__defineGetter__}" },
  { source: "legacy accessor", text: "{a.data.__lookupGetter__}" },
  { source: "Object.prototype method", text: "{a.valueOf}" },
  { source: "thenable", text: "{a.then}" },
  { source: "Array.prototype method", text: "{a.data.list.map}" },
  { source: "Array length via quoted name", text: "{a.data.list['length']}" },
];

/** JSONPath exploit text not rooted at a step: not a reference, so inert literal text. */
export const LITERAL_EXPLOITS: Payload[] = [
  { source: "CVE-2024-21534", text: "$..[?(@.constructor.constructor('return process')().mainModule.require('child_process').execSync('id'))]" },
  { source: "CVE-2025-1302", text: `$[?(p="console.log(this.process.mainModule.require('child_process').execSync('id').toString())";a=''[['constructor']][['constructor']](p);a())]` },
  { source: "CVE-2020-8203", text: "__proto__.polluted" },
  { source: "CVE-2026-1615", text: "constructor.constructor('return process')()" },
  { source: "template", text: "$" + "{7*7}" },
];

/** Rule-decision conditions that try to smuggle code or prototype access. */
export const HOSTILE_CONDITIONS: string[] = [
  "{a.constructor.constructor('return process')()} == 1",
  "{a.__proto__.polluted} == true",
  "constructor.constructor('return process')()",
  "process.exit(1)",
  "require('child_process').execSync('id')",
  "{a.data.x} == 1; process.exit(1)",
  "{a.data.x} = 1",
  "this.constructor",
  "{a[?(@.x)]} > 0",
  "`${process.exit(1)}`",
  "{a.data.x} == {a.prototype}",
];

/** Keys a hostile plan may use in params, output_mapping or tool_dependencies. */
export const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "then", "toJSON"];
