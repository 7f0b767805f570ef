import { MemorySaver } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CompletionStore } from "../durability/completion-store.js";
import { describeError, isPlangraphError, PlangraphError } from "../model/errors.js";

/**
 * Failures of the checkpointer and the completion store are not orchestration bugs: they mean the
 * run's durable record is incomplete, so the run must fail with a typed error (never be rerun
 * elsewhere as if nothing had happened). These guards give those failures their own codes where
 * they happen, so the caller can tell them from a genuine bug of ours.
 */

const CHECKPOINTER_METHODS = new Set(["get", "getTuple", "list", "put", "putWrites", "deleteThread", "getDeltaChannelHistory"]);
const guarded = new WeakSet<object>();

/** A checkpoint store that survives the process (anything but LangGraph's in-memory saver). */
export function isDurableCheckpointer(saver: BaseCheckpointSaver | false | undefined): boolean {
  return !!saver && !(saver instanceof MemorySaver);
}

/** The typed error for a checkpointer failure (`CHECKPOINT_FAILED`), keeping the cause. */
export function checkpointFailure(method: string, error: unknown): PlangraphError {
  if (isPlangraphError(error)) return error;
  return new PlangraphError("CHECKPOINT_FAILED", `the checkpointer failed (${method}): ${describeError(error)}; the run's checkpoints may be incomplete`, { cause: error });
}

/**
 * The same checkpointer, with every failure turned into a `CHECKPOINT_FAILED` error. A proxy, not a
 * subclass: it stays an instance of the saver's own class, and methods LangGraph adds later pass
 * through unchanged.
 */
export function guardCheckpointer<T extends BaseCheckpointSaver>(saver: T): T {
  if (guarded.has(saver)) return saver;
  const proxy = new Proxy(saver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property !== "string" || !CHECKPOINTER_METHODS.has(property)) return method.bind(target);
      if (property === "list") {
        return async function* (...args: unknown[]) {
          try {
            yield* method.apply(target, args) as AsyncGenerator<unknown>;
          } catch (error) {
            throw checkpointFailure(property, error);
          }
        };
      }
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } catch (error) {
          throw checkpointFailure(property, error);
        }
      };
    },
  });
  guarded.add(proxy);
  return proxy;
}

/** A guarded completion store: every write's outcome can be awaited before the run reports. */
export interface GuardedStore extends CompletionStore {
  /** Resolves once every operation started so far has finished (successfully or not). */
  settled(): Promise<void>;
}

/**
 * The run's completion store, with every failure turned into a `STORE_FAILED` error and reported
 * to `onFailure`: the scheduler does not wait for its writes, so the run context learns of a lost
 * completion here, and fails the run with it at the end.
 */
export function guardStore(store: CompletionStore, onFailure: (error: PlangraphError) => void): GuardedStore {
  const inFlight = new Set<Promise<unknown>>();
  const wrap =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const operation = (async () => {
        try {
          return await call(...args);
        } catch (error) {
          const failure = isPlangraphError(error)
            ? error
            : new PlangraphError("STORE_FAILED", `the completion store failed (${name}): ${describeError(error)}; completed steps may not be on record`, { cause: error });
          onFailure(failure);
          // A memory store's lost write is only a warning (the engine words it from the cause).
          if (!store.durable && name !== "load") throw error;
          throw failure;
        }
      })();
      inFlight.add(operation);
      const done = () => inFlight.delete(operation);
      operation.then(done, done);
      return operation;
    };
  return {
    durable: store.durable,
    load: wrap("load", (runId) => store.load(runId)),
    saveStep: wrap("saveStep", (runId, step, record) => store.saveStep(runId, step, record)),
    saveDecision: wrap("saveDecision", (runId, decision, outcome) => store.saveDecision(runId, decision, outcome)),
    saveAnswer: wrap("saveAnswer", (runId, step, answer) => store.saveAnswer(runId, step, answer)),
    discard: wrap("discard", (runId) => store.discard(runId)),
    settled: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
