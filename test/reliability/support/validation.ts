/**
 * Runs the official `@langchain/langgraph-checkpoint-validation` suite inside vitest.
 *
 * The suite's spec files call `describe`, `it`, `beforeEach`… as globals (it is written for a
 * vitest run with `globals: true`), and plangraph's vitest config does not turn globals on. So the
 * vitest functions are put on `globalThis` first and the suite is imported afterwards.
 *
 * `knownFailures` names cases (by a substring of their full name) that are expected to fail for
 * this saver: they run as `it.fails`, so the case still executes, and the file turns red the day
 * the saver is fixed (time to drop the entry).
 */
import * as vitest from "vitest";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

export interface SaverInitializer<T extends BaseCheckpointSaver> {
  checkpointerName: string;
  beforeAll?(): void | Promise<void>;
  beforeAllTimeout?: number;
  afterAll?(): void | Promise<void>;
  createCheckpointer(): T | Promise<T>;
  destroyCheckpointer?(checkpointer: T): void | Promise<void>;
}

/** Defines the full spec (put, putWrites, getTuple, list, deleteThread) plus the opt-in delta-history cases. */
export async function defineValidationSuite<T extends BaseCheckpointSaver>(
  initializer: SaverInitializer<T>,
  options: { knownFailures?: string[] } = {},
): Promise<void> {
  const known = options.knownFailures ?? [];
  const names: string[] = [];
  const g = globalThis as Record<string, unknown>;
  // `it` with the describe path tracked so a known failure is matched by its full name.
  const wrappedIt = Object.assign(
    (name: string, fn?: () => unknown, timeout?: number) => {
      const full = [...names, name].join(" > ");
      if (known.some((k) => full.includes(k))) return vitest.it.fails(name, fn as () => Promise<void>, timeout);
      return vitest.it(name, fn as () => Promise<void>, timeout);
    },
    // vitest's modifiers read `this`: bind them to the real `it`.
    { skip: vitest.it.skip.bind(vitest.it), each: vitest.it.each.bind(vitest.it), fails: vitest.it.fails.bind(vitest.it) },
  );
  const wrappedDescribe = Object.assign(
    (name: string, fn: () => void) =>
      vitest.describe(name, () => {
        names.push(name);
        try {
          fn();
        } finally {
          names.pop();
        }
      }),
    {
      skip: vitest.describe.skip.bind(vitest.describe),
      // describe.each(table)(name, fn): keep the name stack for each generated block.
      each: (table: readonly unknown[]) => (name: string, fn: (...args: unknown[]) => void) =>
        vitest.describe.each(table as unknown[])(name, (...args: unknown[]) => {
          names.push(name.replace("%s", String(args[0])));
          try {
            fn(...args);
          } finally {
            names.pop();
          }
        }),
    },
  );
  Object.assign(g, {
    describe: wrappedDescribe,
    it: wrappedIt,
    test: wrappedIt,
    expect: vitest.expect,
    beforeAll: vitest.beforeAll,
    afterAll: vitest.afterAll,
    beforeEach: vitest.beforeEach,
    afterEach: vitest.afterEach,
  });
  const suite = await import("@langchain/langgraph-checkpoint-validation");
  suite.validate(initializer as never);
  vitest.describe(`${initializer.checkpointerName} (opt-in)`, () => suite.deltaChannelHistoryTests(initializer as never));
}
