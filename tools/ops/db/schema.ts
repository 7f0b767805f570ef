import type { ColumnSpec } from "./sql-client.js";

/**
 * The `ops` schema. Tables are created bare, loaded, then indexed: building an index once over
 * loaded rows is several times faster than maintaining it row by row.
 */

/** The schema every estate table lives in; nothing outside it is touched. */
export const OPS_SCHEMA = "ops";

/**
 * DDL of the estate tables, without indexes (they come after the load). Every table of tenant data
 * has a `tenant` column that leads its primary key and indexes: the tools scope every query by it,
 * and a key lookup is never answered from another tenant's rows. `metric_defs` is vocabulary,
 * shared by all tenants.
 */
export const CREATE_TABLES = `
CREATE SCHEMA ${OPS_SCHEMA};

CREATE TABLE ops.estate_meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE ops.cis (
  tenant      text NOT NULL,
  ci_id       text NOT NULL,
  name        text NOT NULL,
  type        text NOT NULL,
  status      text NOT NULL,
  environment text NOT NULL,
  location    text NOT NULL,
  owner_team  text NOT NULL,
  criticality text NOT NULL,
  description text NOT NULL,
  attributes  jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  -- What ci_search's free text looks in; lower-cased once here, not per query.
  search_text text GENERATED ALWAYS AS (lower(ci_id || ' ' || name || ' ' || description)) STORED
);

CREATE TABLE ops.ci_relationships (
  tenant    text NOT NULL,
  source_id text NOT NULL,
  target_id text NOT NULL,
  relation  text NOT NULL
);

CREATE TABLE ops.metric_defs (
  metric      text PRIMARY KEY,
  unit        text NOT NULL,
  description text NOT NULL,
  applies_to  text NOT NULL
);

-- One row per CI and metric: 720 hourly rollups (avg, max) from estate_meta.hourly_start and
-- 288 five-minute samples from estate_meta.recent_start, as a monitoring store keeps them.
CREATE TABLE ops.metric_series (
  tenant    text NOT NULL,
  ci_id      text NOT NULL,
  metric     text NOT NULL,
  hourly_avg real[] NOT NULL,
  hourly_max real[] NOT NULL,
  recent_5m  real[] NOT NULL
);

-- Statistics of each series over the relative windows, materialised at load (see estate/summaries.ts).
CREATE TABLE ops.metric_window_stats (
  tenant    text NOT NULL,
  ci_id   text NOT NULL,
  metric  text NOT NULL,
  span    text NOT NULL,
  avg     float8 NOT NULL,
  max     float8 NOT NULL,
  min     float8 NOT NULL,
  p95     float8 NOT NULL,
  samples int NOT NULL
);

CREATE TABLE ops.ci_events (
  tenant    text NOT NULL,
  event_id   text NOT NULL,
  ci_id      text NOT NULL,
  kind       text NOT NULL,
  severity   text NOT NULL,
  status     text NOT NULL,
  title      text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at   timestamptz,
  actor      text NOT NULL
);
`;

/** Every index matches a query shape of the tools (see docs/TOOLS.md, "Indexes"). */
export const CREATE_INDEXES = `
ALTER TABLE ops.cis ADD PRIMARY KEY (tenant, ci_id);
CREATE INDEX cis_type_status ON ops.cis (tenant, type, status);
CREATE INDEX cis_environment_type ON ops.cis (tenant, environment, type);
CREATE INDEX cis_attributes ON ops.cis USING gin (attributes jsonb_path_ops);

ALTER TABLE ops.ci_relationships ADD PRIMARY KEY (tenant, source_id, relation, target_id);
CREATE INDEX ci_relationships_target ON ops.ci_relationships (tenant, target_id, relation, source_id);

ALTER TABLE ops.metric_series ADD PRIMARY KEY (tenant, ci_id, metric);
-- ANALYZE would otherwise sample every float of the arrays for element statistics no query uses.
ALTER TABLE ops.metric_series ALTER COLUMN hourly_avg SET STATISTICS 0, ALTER COLUMN hourly_max SET STATISTICS 0, ALTER COLUMN recent_5m SET STATISTICS 0;

ALTER TABLE ops.metric_window_stats ADD PRIMARY KEY (tenant, metric, span, ci_id);

ALTER TABLE ops.ci_events ADD PRIMARY KEY (tenant, event_id);
CREATE INDEX ci_events_ci_time ON ops.ci_events (tenant, ci_id, started_at DESC);
CREATE INDEX ci_events_time ON ops.ci_events (tenant, started_at DESC);
`;

/**
 * What the write tools record. Created after the indexes, because their foreign keys name the
 * tenant-scoped primary keys: a maintenance window or a comment can only point at a CI or an
 * event of its own tenant, whatever the SQL that writes it. `UNIQUE (tenant, idempotency_key)`
 * is what makes a repeated call (a retry, a resume after a crash) change nothing.
 */
export const CREATE_WRITE_TABLES = `
CREATE TABLE ops.ci_maintenance (
  tenant          text NOT NULL,
  window_id       text NOT NULL,
  ci_id           text NOT NULL,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  reason          text NOT NULL,
  requested_by    text NOT NULL,
  idempotency_key text NOT NULL,
  params_digest   text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, window_id),
  UNIQUE (tenant, idempotency_key),
  FOREIGN KEY (tenant, ci_id) REFERENCES ops.cis (tenant, ci_id),
  CHECK (ends_at > starts_at)
);
CREATE INDEX ci_maintenance_ci ON ops.ci_maintenance (tenant, ci_id, starts_at);

CREATE TABLE ops.event_comments (
  tenant          text NOT NULL,
  comment_id      text NOT NULL,
  event_id        text NOT NULL,
  body            text NOT NULL,
  author          text NOT NULL,
  idempotency_key text NOT NULL,
  params_digest   text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, comment_id),
  UNIQUE (tenant, idempotency_key),
  FOREIGN KEY (tenant, event_id) REFERENCES ops.ci_events (tenant, event_id)
);
CREATE INDEX event_comments_event ON ops.event_comments (tenant, event_id, created_at);
`;


/** Columns bulk-loaded into each table, in the order the loader passes values. */
export const CI_COLUMNS: readonly ColumnSpec[] = [
  { name: "tenant", type: "text" },
  { name: "ci_id", type: "text" },
  { name: "name", type: "text" },
  { name: "type", type: "text" },
  { name: "status", type: "text" },
  { name: "environment", type: "text" },
  { name: "location", type: "text" },
  { name: "owner_team", type: "text" },
  { name: "criticality", type: "text" },
  { name: "description", type: "text" },
  { name: "attributes", type: "jsonb" },
  { name: "created_at", type: "timestamptz" },
  { name: "updated_at", type: "timestamptz" },
];

export const RELATIONSHIP_COLUMNS: readonly ColumnSpec[] = [
  { name: "tenant", type: "text" },
  { name: "source_id", type: "text" },
  { name: "target_id", type: "text" },
  { name: "relation", type: "text" },
];

export const METRIC_DEF_COLUMNS: readonly ColumnSpec[] = [
  { name: "metric", type: "text" },
  { name: "unit", type: "text" },
  { name: "description", type: "text" },
  { name: "applies_to", type: "text" },
];

export const METRIC_SERIES_COLUMNS: readonly ColumnSpec[] = [
  { name: "tenant", type: "text" },
  { name: "ci_id", type: "text" },
  { name: "metric", type: "text" },
  { name: "hourly_avg", type: "float4[]" },
  { name: "hourly_max", type: "float4[]" },
  { name: "recent_5m", type: "float4[]" },
];

export const WINDOW_STATS_COLUMNS: readonly ColumnSpec[] = [
  { name: "tenant", type: "text" },
  { name: "ci_id", type: "text" },
  { name: "metric", type: "text" },
  { name: "span", type: "text" },
  { name: "avg", type: "float8" },
  { name: "max", type: "float8" },
  { name: "min", type: "float8" },
  { name: "p95", type: "float8" },
  { name: "samples", type: "int4" },
];

export const EVENT_COLUMNS: readonly ColumnSpec[] = [
  { name: "tenant", type: "text" },
  { name: "event_id", type: "text" },
  { name: "ci_id", type: "text" },
  { name: "kind", type: "text" },
  { name: "severity", type: "text" },
  { name: "status", type: "text" },
  { name: "title", type: "text" },
  { name: "started_at", type: "timestamptz" },
  { name: "ended_at", type: "timestamptz" },
  { name: "actor", type: "text" },
];

export const META_COLUMNS: readonly ColumnSpec[] = [
  { name: "key", type: "text" },
  { name: "value", type: "text" },
];
