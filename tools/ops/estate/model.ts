import type {
  CiStatus,
  CiType,
  Criticality,
  Environment,
  EventKind,
  EventStatus,
  MetricName,
  RelationType,
  Severity,
} from "../vocabulary.js";

/** Everything the estate generator produces, before it is loaded into a database. */

/** Attribute values are strings or numbers (JSON in the database). */
export type AttributeValue = string | number;

/** A configuration item. */
export interface CiRecord {
  ci_id: string;
  name: string;
  type: CiType;
  status: CiStatus;
  environment: Environment;
  location: string;
  owner_team: string;
  criticality: Criticality;
  description: string;
  attributes: Record<string, AttributeValue>;
  /** Epoch milliseconds. */
  created_at: number;
  updated_at: number;
}

/** `source` depends on `target` through `relation`. */
export interface RelationshipRecord {
  source_id: string;
  target_id: string;
  relation: RelationType;
}

/**
 * One metric of one CI, stored the way a monitoring store keeps history: 30 days of hourly
 * rollups (average and maximum per hour) and the last day at 5-minute detail.
 */
export interface MetricSeriesRecord {
  ci_id: string;
  metric: MetricName;
  /** 720 hourly averages; slot i covers [hourlyStart + i h, + 1 h). */
  hourly_avg: Float32Array;
  /** 720 hourly maxima. */
  hourly_max: Float32Array;
  /** 288 five-minute samples; slot j covers [recentStart + 5j min, + 5 min). */
  recent_5m: Float32Array;
}

/** A change, incident or alert on one CI. */
export interface EventRecord {
  event_id: string;
  ci_id: string;
  kind: EventKind;
  severity: Severity;
  status: EventStatus;
  title: string;
  /** Epoch milliseconds. */
  started_at: number;
  ended_at: number | null;
  actor: string;
}

/** The estate's fixed clock: "now" is stored with the data, so windows like `24h` are stable. */
export interface EstateClock {
  now: number;
  hourlyStart: number;
  hourlySlots: number;
  recentStart: number;
  recentSlots: number;
}

/** One tenant's part of the estate: its own CIs (ids overlap with other tenants'), topology, metrics and events. */
export interface TenantEstate {
  tenant: string;
  /** The seed and scale this tenant's data was generated from (derived from the estate's). */
  seed: number;
  scale: number;
  clock: EstateClock;
  cis: CiRecord[];
  relationships: RelationshipRecord[];
  series: MetricSeriesRecord[];
  events: EventRecord[];
}

/** A whole generated estate: every tenant's data, on one clock. */
export interface Estate {
  version: number;
  seed: number;
  scale: number;
  clock: EstateClock;
  tenants: TenantEstate[];
}

/** Durations in milliseconds. */
export const HOUR_MS = 3_600_000;
export const FIVE_MINUTES_MS = 300_000;
export const DAY_MS = 24 * HOUR_MS;

/** Bump when the generator's output or the schema changes: it names the default data directory. 2: tenants. */
export const ESTATE_VERSION = 2;

/** 2025-06-02T09:00:00Z, a Monday morning: the estate's "now". */
export const ESTATE_NOW = Date.UTC(2025, 5, 2, 9, 0, 0);

/** The clock of an estate whose "now" is `now`. */
export function estateClock(now: number = ESTATE_NOW): EstateClock {
  return {
    now,
    hourlyStart: now - 30 * DAY_MS,
    hourlySlots: 720,
    recentStart: now - DAY_MS,
    recentSlots: 288,
  };
}
