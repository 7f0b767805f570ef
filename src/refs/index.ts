export { FORBIDDEN_MEMBERS, GrammarError, STEP_ID_PATTERN, formatSegments, parseSegments, type Reference, type Segment } from "./grammar.js";
export { compileTemplate, parseStringTemplate, templateReferences, type Template, type TemplateContext } from "./template.js";
export { renderTemplate, resolveReference, walkPath, type Lookup, type MissingReference, type OutputLookup } from "./resolve.js";
export { checkPathAgainstSchema, type SchemaPathCheck } from "./schema-check.js";
