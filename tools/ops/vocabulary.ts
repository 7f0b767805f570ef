import { z } from "zod";

/**
 * The closed vocabularies of the ops estate. Tool inputs accept only these values, the generator
 * produces only these values, and the SQL maps them to columns through fixed tables, so no value
 * from a plan ever becomes part of an SQL statement's text.
 */

/** CI types. */
export const CI_TYPES = ["service", "app", "vm", "host", "database", "load_balancer", "network_device"] as const;
export const CiType = z.enum(CI_TYPES);
export type CiType = z.infer<typeof CiType>;

/** Operational statuses. */
export const CI_STATUSES = ["operational", "degraded", "down", "maintenance", "retired"] as const;
export const CiStatus = z.enum(CI_STATUSES);
export type CiStatus = z.infer<typeof CiStatus>;

/** Environments. */
export const ENVIRONMENTS = ["prod", "staging", "dev"] as const;
export const Environment = z.enum(ENVIRONMENTS);
export type Environment = z.infer<typeof Environment>;

/** Business criticality, highest first. */
export const CRITICALITIES = ["critical", "high", "medium", "low"] as const;
export const Criticality = z.enum(CRITICALITIES);
export type Criticality = z.infer<typeof Criticality>;

/**
 * Relationship types. Every edge points from the CI that depends to the CI it depends on
 * (`app-x runs_on vm-y`), so "dependencies" follow edges forwards and "dependents" backwards.
 */
export const RELATION_TYPES = [
  "composed_of", // service → app
  "calls", // service → service, app → app
  "exposed_via", // service → load balancer
  "routes_to", // load balancer → app
  "protected_by", // load balancer → firewall
  "runs_on", // app → vm | host
  "hosted_on", // vm → host, database → host | vm
  "connects_to", // app → database (read/write)
  "reads_from", // app → database replica
  "replica_of", // replica → primary
  "connected_to", // host → switch
  "uplinks_to", // switch → switch/router
  "peers_with", // router ↔ router, both directions (cycles in the data)
] as const;
export const RelationType = z.enum(RELATION_TYPES);
export type RelationType = z.infer<typeof RelationType>;

/** Metrics, their units and which CI types report them. */
export const METRIC_DEFINITIONS = {
  cpu_pct: { unit: "%", description: "CPU utilisation", appliesTo: ["host", "vm", "database"] },
  mem_pct: { unit: "%", description: "Memory utilisation", appliesTo: ["host", "vm"] },
  disk_pct: { unit: "%", description: "Disk space used", appliesTo: ["host"] },
  latency_ms: { unit: "ms", description: "Query latency", appliesTo: ["database"] },
  connections: { unit: "count", description: "Open client connections", appliesTo: ["database"] },
} as const satisfies Record<string, { unit: string; description: string; appliesTo: readonly CiType[] }>;
/** Metric names, the allowlist of ci_metric. */
export const METRIC_NAMES = Object.keys(METRIC_DEFINITIONS) as (keyof typeof METRIC_DEFINITIONS)[];
export const MetricName = z.enum(METRIC_NAMES as [keyof typeof METRIC_DEFINITIONS, ...(keyof typeof METRIC_DEFINITIONS)[]]);
export type MetricName = z.infer<typeof MetricName>;

/** Event kinds. */
export const EVENT_KINDS = ["change", "incident", "alert"] as const;
export const EventKind = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKind>;

/** Event severities, highest first. */
export const SEVERITIES = ["critical", "major", "minor", "info"] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** Event statuses: open/resolved for incidents and alerts, completed/failed/rolled_back for changes. */
export const EVENT_STATUSES = ["open", "resolved", "completed", "failed", "rolled_back"] as const;
export const EventStatus = z.enum(EVENT_STATUSES);
export type EventStatus = z.infer<typeof EventStatus>;

/** Data centres of the sample estate; `location` itself is free text in the tools (a real CMDB has its own). */
export const LOCATIONS = ["fra1", "iad1", "sin1"] as const;
