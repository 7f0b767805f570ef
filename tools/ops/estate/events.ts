import type { EventKind, EventStatus, Severity } from "../vocabulary.js";
import type { CiRecord, EstateClock, EventRecord } from "./model.js";
import { DAY_MS, HOUR_MS } from "./model.js";
import { PEOPLE, pad } from "./names.js";
import type { Rng } from "./random.js";

/**
 * Changes, incidents and alerts over the 30 days before the estate's "now": deployments on apps,
 * patches on hosts and VMs, database and network maintenance, incidents on production CIs and the
 * alerts that monitoring raised. The flagship database gets a small story of its own.
 */

type Draft = Omit<EventRecord, "event_id">;

const INCIDENT_TITLES: Record<string, readonly string[]> = {
  host: ["High CPU on {id}", "Memory pressure on {id}", "Disk almost full on {id}", "NIC flapping on {id}"],
  vm: ["High CPU on {id}", "Out of memory kills on {id}", "Unresponsive {id}"],
  database: ["Replication lag on {id}", "Slow queries on {id}", "Connection saturation on {id}", "Lock contention on {id}"],
  app: ["Elevated 5xx from {id}", "Restart loop of {id}", "Latency regression in {id}", "Queue backlog in {id}"],
  service: ["Degraded checkout conversion: {id}", "Partial outage of {id}", "Elevated error rate in {id}"],
  load_balancer: ["Health checks failing on {id}", "TLS certificate expiring on {id}"],
  network_device: ["Packet loss on {id}", "BGP session down on {id}", "Port errors on {id}"],
};
const ALERT_TITLES: Record<string, readonly string[]> = {
  host: ["CPU > 90% on {id}", "Memory > 85% on {id}", "Disk > 80% on {id}"],
  vm: ["CPU > 90% on {id}", "Memory > 90% on {id}"],
  database: ["Latency p95 > 50 ms on {id}", "Connections > 80% of max on {id}", "CPU > 85% on {id}"],
};

/** Events of the 30 days before `clock.now`, sorted by start and numbered (`chg-000001`, `inc-…`, `alr-…`). */
export function generateEvents(rng: Rng, clock: EstateClock, cis: readonly CiRecord[], hot: ReadonlySet<string>): EventRecord[] {
  const drafts: Draft[] = [];
  const windowStart = clock.now - 30 * DAY_MS;
  // Working hours are busier: draw a time and nudge it towards 08–18 UTC.
  const when = (from = windowStart, to = clock.now - 10 * 60_000): number => {
    let t = from + rng.next() * (to - from);
    const hour = new Date(t).getUTCHours();
    if ((hour < 7 || hour > 19) && rng.chance(0.6)) t -= ((hour + 10) % 24) * HOUR_MS * 0.5;
    return Math.max(from, Math.floor(t / 60_000) * 60_000);
  };
  const push = (ci: CiRecord, kind: EventKind, severity: Severity, status: EventStatus, title: string, start: number, minutes: number | null, actor: string) =>
    drafts.push({ ci_id: ci.ci_id, kind, severity, status, title, started_at: start, ended_at: minutes === null ? null : start + minutes * 60_000, actor });

  for (const ci of cis) {
    if (ci.status === "retired") continue;
    if (ci.type === "app" && ci.environment !== "dev") {
      const deploys = ci.environment === "prod" ? rng.int(2, 10) : rng.int(4, 14);
      for (let i = 0; i < deploys; i++) {
        const status = rng.weighted<EventStatus>([["completed", 90], ["failed", 4], ["rolled_back", 6]]);
        const version = `${rng.int(1, 5)}.${rng.int(0, 30)}.${rng.int(0, 20)}`;
        push(ci, "change", status === "completed" ? "info" : "minor", status, `Deploy ${ci.ci_id} ${version}`, when(), rng.int(4, 40), rng.chance(0.8) ? "ci-bot" : rng.pick(PEOPLE));
      }
    } else if ((ci.type === "host" || ci.type === "vm") && rng.chance(ci.type === "host" ? 0.3 : 0.15)) {
      push(ci, "change", "minor", "completed", `${ci.type === "host" ? "Firmware and kernel patch" : "OS patch"} on ${ci.ci_id}`, when(), rng.int(20, 90), rng.pick(PEOPLE));
    } else if (ci.type === "database" && rng.chance(0.5)) {
      const title = rng.pick(["Parameter change on {id}", "Minor version upgrade of {id}", "Failover test of {id}", "Index rebuild on {id}"]);
      push(ci, "change", "minor", rng.chance(0.95) ? "completed" : "rolled_back", title.replace("{id}", ci.ci_id), when(), rng.int(10, 120), rng.pick(PEOPLE));
    } else if (ci.type === "network_device" && rng.chance(0.2)) {
      push(ci, "change", "major", "completed", `${rng.pick(["Firmware upgrade", "ACL change", "Port reconfiguration"])} on ${ci.ci_id}`, when(), rng.int(15, 60), rng.pick(PEOPLE));
    }

    if (ci.environment === "prod" && INCIDENT_TITLES[ci.type] && rng.chance(hot.has(ci.ci_id) ? 0.9 : 0.07)) {
      const severity = rng.weighted<Severity>([["critical", 5], ["major", 25], ["minor", 50], ["info", 20]]);
      const start = when();
      const open = clock.now - start < 12 * HOUR_MS && rng.chance(0.5);
      const title = rng.pick(INCIDENT_TITLES[ci.type]!).replace("{id}", ci.ci_id);
      push(ci, "incident", severity, open ? "open" : "resolved", title, start, open ? null : rng.int(20, 360), `${ci.owner_team}-oncall`);
    }
    const alerts = ALERT_TITLES[ci.type];
    if (alerts && ci.environment !== "dev") {
      const count = hot.has(ci.ci_id) ? rng.int(6, 12) : rng.weighted([[0, 55], [1, 25], [2, 12], [4, 8]]);
      for (let i = 0; i < count; i++) {
        const start = hot.has(ci.ci_id) && i < 3 ? when(clock.now - DAY_MS) : when();
        const open = clock.now - start < 2 * HOUR_MS;
        const title = rng.pick(alerts).replace("{id}", ci.ci_id);
        push(ci, "alert", rng.weighted<Severity>([["major", 20], ["minor", 60], ["info", 20]]), open ? "open" : "resolved", title, start, open ? null : rng.int(5, 90), "monitoring");
      }
    }
  }

  const flagship = cis.find((c) => c.ci_id === "db-prod-01");
  if (flagship) {
    const t = (hoursAgo: number) => clock.now - hoursAgo * HOUR_MS;
    push(flagship, "change", "major", "completed", "Parameter change on db-prod-01: max_connections 500 → 800", t(27), 15, "a.novak");
    push(flagship, "incident", "major", "resolved", "Connection saturation on db-prod-01", t(26), 130, "team-dba-oncall");
    push(flagship, "alert", "major", "open", "Latency p95 > 50 ms on db-prod-01", t(3), null, "monitoring");
    push(flagship, "incident", "minor", "open", "Slow queries on db-prod-01", t(2), null, "team-dba-oncall");
  }

  drafts.sort((a, b) => a.started_at - b.started_at || (a.ci_id < b.ci_id ? -1 : a.ci_id > b.ci_id ? 1 : 0) || (a.title < b.title ? -1 : 1));
  const prefix: Record<EventKind, string> = { change: "chg", incident: "inc", alert: "alr" };
  const counters: Record<EventKind, number> = { change: 0, incident: 0, alert: 0 };
  return drafts.map((d) => ({ event_id: `${prefix[d.kind]}-${pad(++counters[d.kind], 6)}`, ...d }));
}
