import { COMMANDS, EXIT_CODES_HELP, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from "./options.js";

const WIDTH = 100;

/** `plangraph --help`: every command with its one-line summary. */
export function generalHelp(): string {
  const names = Object.keys(COMMANDS);
  const pad = Math.max(...names.map((n) => n.length)) + 2;
  return [
    "plangraph — compile tool plans into LangGraph graphs and run them at their critical path",
    "",
    "usage: plangraph <command> [options]      (from a checkout: npm run -s plangraph -- <command>)",
    "",
    "commands:",
    ...names.map((name) => `  ${name.padEnd(pad)}${COMMANDS[name]!.summary}`),
    "",
    "options of every command:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "`plangraph <command> --help` explains that command's options.",
    wrap(EXIT_CODES_HELP, 0),
  ].join("\n");
}

/** `plangraph <command> --help`: the command's usage line and every option explained. */
export function commandHelp(name: string): string {
  const spec = COMMANDS[name]!;
  const lines = [`plangraph ${name} — ${spec.summary}`, "", usageBlock(name)];
  if (spec.positional) lines.push("", "arguments:", ...optionBlock(spec.positional.name, spec.positional.help));
  if (Object.keys(spec.options).length) lines.push("", "options:", ...optionLines(spec.options));
  lines.push(...optionLines(GLOBAL_OPTIONS));
  for (const note of spec.notes ?? []) lines.push("", wrap(note, 0));
  if (name === "run" || name === "resume") lines.push("", wrap(EXIT_CODES_HELP, 0));
  return lines.join("\n");
}

/** The one-line usage of a command, for help and for usage errors. */
export function usageLine(name: string, spec: CommandSpec = COMMANDS[name]!): string {
  const flags = Object.entries(spec.options).map(([flag, option]) => `[--${flag}${option.value ? ` ${option.value}` : ""}]${option.multiple ? "…" : ""}`);
  return [`plangraph ${name}`, ...(spec.positional ? [spec.positional.name] : []), ...flags].join(" ");
}

/** `usage: plangraph <command> …` wrapped between options (never inside `[--flag <value>]`). */
export function usageBlock(name: string): string {
  const tokens = usageLine(name).match(/\[[^\]]*\]…?|\S+/g) ?? [];
  const head = `usage: ${tokens.slice(0, 2).join(" ")}`;
  const indent = " ".repeat(head.length + 1);
  const lines = [head];
  for (const token of tokens.slice(2)) {
    const last = lines[lines.length - 1]!;
    if (last.length + 1 + token.length > WIDTH) lines.push(`${indent}${token}`);
    else lines[lines.length - 1] = `${last} ${token}`;
  }
  return lines.join("\n");
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).flatMap(([flag, option]) => optionBlock(`--${flag}${option.value ? ` ${option.value}` : ""}${option.multiple ? " (repeatable)" : ""}`, option.help));
}

function optionBlock(label: string, help: string): string[] {
  return [`  ${label}`, wrap(help, 6)];
}

/** Wraps at word boundaries (never mid-word), indenting every line. */
export function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${" ".repeat(indent)}${l}`).join("\n");
}
