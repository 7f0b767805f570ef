/**
 * Deepest nesting of arrays and objects a step's output may have. Checkpoint serializers walk state
 * recursively (LangGraph's reviver is async recursion: 2,400 to 4,000 levels overflow the stack when a
 * resumed run loads its checkpoint), and escaping for state may triple an output's depth; a bound
 * here fails the one step with a typed error instead of leaving a thread that cannot resume.
 */
export const MAX_OUTPUT_DEPTH = 256;

/** How deeply a JSON text nests (one linear pass, brackets inside strings ignored). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
