import { z } from "zod";

/**
 * The policy file: which tools each role may call, which calls need a human's approval, who may
 * approve, and per-tenant limits. The single source of the policy's type; docs/POLICY.md explains
 * every field. Unknown fields are refused (a misspelt rule must not silently allow everything).
 */

/**
 * What a rule matches: a tool by name, every tool (`*`), or a trait: `read_only` (no side effects)
 * or `side_effects`.
 */
export const ToolSelectorSchema = z.string().min(1).max(128);
export type ToolSelector = z.infer<typeof ToolSelectorSchema>;

export const RoleRulesSchema = z
  .object({
    /** Tools a run under this role may call. */
    allow: z.array(ToolSelectorSchema).default([]),
    /** Tools it may never call, even when `allow` matches (deny wins within a role). */
    deny: z.array(ToolSelectorSchema).default([]),
    /** Of the allowed tools, those whose steps pause for approval before they run. */
    approval: z.array(ToolSelectorSchema).default([]),
  })
  .strict();
export type RoleRules = z.infer<typeof RoleRulesSchema>;

export const ApproverRulesSchema = z
  .object({
    /** Roles whose holders may approve or reject a pending step. */
    roles: z.array(z.string().min(1).max(64)).min(1),
    /** The user who started the run may not approve its steps. */
    approver_not_starter: z.boolean().default(false),
  })
  .strict();

/** Limits of one tenant's runs, enforced per process (the queue applies the concurrency across workers). */
export const TenantLimitsSchema = z
  .object({
    max_concurrent_runs: z.number().int().positive().optional(),
    runs_per_minute: z.number().int().positive().optional(),
    /** Wall-clock budget of one run, in ms: the run is stopped when it runs out. */
    run_time_budget_ms: z.number().int().positive().optional(),
  })
  .strict();
export type TenantLimits = z.infer<typeof TenantLimitsSchema>;

export const PolicySchema = z
  .object({
    version: z.literal(1).default(1),
    roles: z.record(z.string().min(1).max(64), RoleRulesSchema),
    approvers: ApproverRulesSchema,
    limits: z
      .object({
        /** Limits of every tenant without its own entry. */
        default: TenantLimitsSchema.default({}),
        /** Per tenant, replacing `default` field by field. */
        tenants: z.record(z.string(), TenantLimitsSchema).default({}),
      })
      .strict()
      .default({ default: {}, tenants: {} }),
  })
  .strict();
/** A validated policy. */
export type Policy = z.output<typeof PolicySchema>;
/** A policy as written in its file. */
export type PolicyInput = z.input<typeof PolicySchema>;
