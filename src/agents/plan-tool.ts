import { DynamicStructuredTool } from "@langchain/core/tools";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { preparePlan, type PreparedPlan } from "../analysis/prepare.js";
import type { ToolRunnableConfig } from "@langchain/core/tools";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { isPlangraphError, PlangraphError } from "../model/errors.js";
import { resolveLimits, type PlanLimitsInput } from "../plan/limits.js";
import type { RunResult } from "../engine/result.js";
import { runPlan } from "../api/run-plan.js";
import { requireApprovalHome } from "../api/policy.js";
import { runCheckpointer } from "../langgraph/internals.js";
import { createToolRegistry, type ToolRegistry } from "../tools/registry.js";
import { catalogueText } from "./catalogue.js";
import { planFromToolInput, planToolSchema } from "./plan-schema.js";
import { planSubgraph } from "./plan-subgraph.js";
import { callerFromConfig, type CallerContext } from "../model/caller.js";

/** OpenAI rejects function descriptions longer than this; the catalogue goes into the schema instead. */
const MAX_DESCRIPTION = 1024;

function defaultDescription(registry: ToolRegistry): string {
  const intro =
    "Run a plan of tool calls in one go: steps run as soon as the steps they depend on finish, later steps take values " +
    "from earlier results with references like '{search.data.rows[0].ci_id}', and decisions pick branches. " +
    "Returns the run's status, results and errors as JSON. Each tool's input is described in the 'tool' field.";
  const names = ` Tools: ${registry.names().join(", ")}.`;
  return intro.length + names.length <= MAX_DESCRIPTION ? intro + names : intro;
}

/** The calling run's caller (LangChain's config path), handed on to the plan's run. */
function callerOf(config: ToolRunnableConfig | undefined): { caller?: CallerContext } {
  const caller = callerFromConfig(config);
  return caller ? { caller } : {};
}

import { DEFAULT_MAX_RESULT_CHARS, resultForModel, validationProblems } from "./result-text.js";

/** Options of {@link createPlanTool}. */
export interface PlanToolOptions {
  /** The tools plans may call; defaults to the built-ins plus `tools`. */
  registry?: ToolRegistry;
  tools?: StructuredToolInterface[];
  /** Tool name the agent's model sees (default `run_plan`). */
  name?: string;
  /** Replaces the default description (which names the tools; OpenAI allows at most 1024 characters). */
  description?: string;
  /** Chat model for `question` decisions; `null` for none (default: the environment's). */
  chatModel?: BaseChatModel | null;
  /** Approve every `requires_approval` step. Otherwise such a step interrupts the agent (which needs a checkpointer). */
  approveAll?: boolean;
  strict?: boolean;
  limits?: PlanLimitsInput;
  /** Bound on the result text returned to the model. */
  maxResultChars?: number;
}

/**
 * A LangChain tool whose input schema is the plan schema: any LangChain or LangGraph agent
 * (`createReactAgent`, `createAgent`, a ToolNode) can hand plangraph a whole plan in one call.
 *
 * The plan is validated first; an invalid plan is not run, and the tool's answer lists every
 * problem with its JSON path so the model can repair it. A valid plan runs with the eager
 * scheduler; the answer is the result as JSON (status, answer, results, errors, skipped,
 * decisions), and the full contract object is the tool message's `artifact`. Inside a graph the
 * plan runs as a subgraph of the calling agent, so its checkpointer, streaming and approvals
 * (interrupts) apply.
 */
export function createPlanTool(options: PlanToolOptions = {}): StructuredToolInterface {
  const registry = options.registry ?? createToolRegistry(options.tools ?? []);
  const limits = resolveLimits(options.limits);
  const maxChars = options.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS;
  const description = options.description ?? defaultDescription(registry);
  const runOptions = {
    registry,
    limits,
    ...(options.chatModel !== undefined ? { chatModel: options.chatModel } : {}),
    ...(options.strict ? { strict: true } : {}),
  };

  // Inside a graph (a ToolNode of an agent) the plan graph becomes a subgraph of the calling run:
  // its checkpointer keeps the plan's state, and an approval interrupts the agent until resumed.
  const runAsSubgraph = async (plan: PreparedPlan, config: ToolRunnableConfig | undefined): Promise<RunResult> => {
    const caller = callerFromConfig(config);
    const graph = planSubgraph(plan, { ...runOptions, name: "plan", ...(caller ? { caller } : {}) });
    requireApprovalHome(graph.prepared, { canPause: !!runCheckpointer(config), remedy: "call the plan tool from a graph with a checkpointer, or create it with approveAll" });
    const output = (await graph.invoke({}, config ?? {})) as { result?: RunResult | null };
    if (!output.result) throw new PlangraphError("INTERNAL", "the plan run produced no result");
    return output.result;
  };

  // With approveAll nothing pauses, so the plan runs as a run of its own: detached from the calling
  // graph, an approval's interrupt comes back to runPlan (which answers it) instead of pausing the agent.
  const runApprovingAll = (plan: PreparedPlan, config: ToolRunnableConfig | undefined): Promise<RunResult> =>
    AsyncLocalStorageProviderSingleton.getInstance().run(undefined, () =>
      runPlan(plan, { ...runOptions, approveAll: true, ...(config?.signal ? { signal: config.signal } : {}), ...callerOf(config) }),
    );

  return new DynamicStructuredTool({
    name: options.name ?? "run_plan",
    description,
    schema: planToolSchema(registry.names(), catalogueText(registry, 16_000)),
    responseFormat: "content_and_artifact",
    func: async (input: Record<string, unknown>, _runManager, config): Promise<[string, RunResult | { status: "invalid"; problems: string[] }]> => {
      const plan = planFromToolInput(input);
      let prepared: PreparedPlan;
      try {
        prepared = preparePlan(plan, { registry, limits });
      } catch (error) {
        if (!isPlangraphError(error)) throw error;
        const problems = validationProblems(error);
        return [`The plan is invalid and did not run. Fix these problems and call the tool again:\n${problems.map((p) => `- ${p}`).join("\n")}`, { status: "invalid", problems }];
      }
      const result = options.approveAll ? await runApprovingAll(prepared, config) : await runAsSubgraph(prepared, config);
      return [resultForModel(result, maxChars), result];
    },
  }) as unknown as StructuredToolInterface;
}
