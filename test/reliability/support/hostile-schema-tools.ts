/**
 * Tools whose own code throws where plangraph calls it: the input schema (a `refine`, a
 * `transform(JSON.parse)`, an error-message function), a synchronous `invoke`, an output getter,
 * and a thrown value that cannot even be described. Loaded by `--tools` in a real process and
 * imported in process by test/reliability/hostile-schemas.test.ts.
 */
import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";

const ok = async (input: unknown) => ({ data: input });

export const refineThrows = tool(ok, {
  name: "refine_throws",
  description: "Its input schema's refine throws.",
  schema: z.object({
    q: z.string().refine(() => {
      throw new Error("refine exploded");
    }),
  }),
});

export const transformJson = tool(ok, {
  name: "transform_json",
  description: "Parses `doc` as JSON in its schema (throws on anything else).",
  schema: z.object({ doc: z.string().transform((text) => JSON.parse(text) as unknown) }),
});

export const messageThrows = tool(ok, {
  name: "message_throws",
  description: "Its schema's error message function throws when `n` is not a number.",
  schema: z.object({
    n: z.number({
      error: () => {
        throw new Error("message exploded");
      },
    }),
  }),
});

const syncInvoke = tool(ok, { name: "invoke_throws", description: "Its invoke throws synchronously.", schema: z.object({}).catchall(z.unknown()) });
(syncInvoke as unknown as { invoke: () => never }).invoke = () => {
  throw new Error("invoke exploded synchronously");
};
export const invokeThrows = syncInvoke;

export const getterThrows = tool(
  async () => ({
    data: {
      get secret(): string {
        throw new Error("getter exploded");
      },
    },
  }),
  { name: "getter_throws", description: "Returns an object whose getter throws.", schema: z.object({}).catchall(z.unknown()) },
);

export const undescribable = tool(
  async () => {
    throw {
      get message(): string {
        throw new Error("message getter exploded");
      },
      toString(): string {
        throw new Error("toString exploded");
      },
      toJSON(): string {
        throw new Error("toJSON exploded");
      },
    };
  },
  { name: "undescribable", description: "Throws a value whose every description throws.", schema: z.object({}).catchall(z.unknown()) },
);

export const protoTrap = tool(
  async () => {
    // `instanceof` on this throws: the error handling itself must not.
    throw new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("prototype trap exploded");
        },
      },
    );
  },
  { name: "proto_trap", description: "Throws a proxy whose prototype cannot be read.", schema: z.object({}).catchall(z.unknown()) },
);

const tools: StructuredToolInterface[] = [refineThrows, transformJson, messageThrows, invokeThrows, getterThrows, undescribable, protoTrap] as unknown as StructuredToolInterface[];
export default tools;
