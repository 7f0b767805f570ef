import { ENVIRONMENTS, type Criticality, type Environment } from "../vocabulary.js";
import type { EstateBuilder } from "./builder.js";
import type { CiRecord } from "./model.js";
import {
  COMPONENTS,
  DB_ENGINES,
  DOMAINS,
  ENGINE_PORTS,
  ENGINE_TITLES,
  ENGINE_VERSIONS,
  ENV_CODE,
  ENV_LABEL,
  ENV_SUFFIX,
  FRONT_COMPONENTS,
  LANGUAGES,
  LOCATION_WEIGHTS,
  pad,
  titleCase,
  type Domain,
} from "./names.js";

/**
 * The application layer: services, the apps they are composed of, the databases those apps use,
 * and the calls between them. Compute (VMs, hosts) and network are placed afterwards by
 * `infrastructure.ts`, from the demand recorded here.
 */

/** A service in one environment, with its apps and databases. */
export interface ServiceUnit {
  domain: Domain;
  environment: Environment;
  location: string;
  service: CiRecord;
  apps: CiRecord[];
  primaries: CiRecord[];
  replicas: CiRecord[];
}

/** A compute need: an app (or a non-prod database) that must run on VMs in an environment and location. */
export interface VmDemand {
  owner: CiRecord;
  environment: Environment;
  location: string;
  count: number;
}

/** The application layer and what it needs from the infrastructure. */
export interface ApplicationLayer {
  units: ServiceUnit[];
  vmDemands: VmDemand[];
  /** Production databases, each needing a dedicated bare-metal host. */
  dbHostDemands: CiRecord[];
  flagship: CiRecord;
}

/** Mutual service calls: the few deliberate cycles in the application layer. */
const MUTUAL_CALLS: ReadonlyArray<readonly [string, string]> = [
  ["orders", "inventory"],
  ["checkout", "payments"],
  ["pricing", "promotions"],
];

const SERVICE_CRITICALITY: Record<Environment, (c: Criticality) => Criticality> = {
  prod: (c) => c,
  staging: (c) => (c === "critical" ? "medium" : "low"),
  dev: () => "low",
};

function tierOf(criticality: Criticality): string {
  return { critical: "tier-1", high: "tier-2", medium: "tier-3", low: "tier-4" }[criticality];
}

/** Services, apps, databases and their calls for `scale` (at least 8 business domains). */
export function buildApplicationLayer(b: EstateBuilder, scale: number): ApplicationLayer {
  const { rng } = b;
  const domainCount = Math.max(8, Math.min(DOMAINS.length, Math.round(DOMAINS.length * scale)));
  const domains = DOMAINS.slice(0, domainCount);
  const languages = new Map(domains.map((d) => [d.key, rng.weighted(LANGUAGES)]));
  const units: ServiceUnit[] = [];
  const vmDemands: VmDemand[] = [];
  const dbHostDemands: CiRecord[] = [];
  const dbCounter: Record<Environment, number> = { prod: 0, staging: 0, dev: 0 };

  for (const environment of ENVIRONMENTS) {
    const suffix = ENV_SUFFIX[environment];
    for (const domain of domains) {
      const location = rng.weighted(LOCATION_WEIGHTS[environment]);
      const criticality = SERVICE_CRITICALITY[environment](domain.criticality);
      const team = `team-${domain.key}`;
      const service = b.add({
        ci_id: `svc-${domain.key}${suffix}`,
        name: environment === "prod" ? domain.title : `${domain.title} (${environment})`,
        type: "service",
        environment,
        location,
        owner_team: team,
        criticality,
        description: `${domain.title} business service: ${domain.blurb} (${ENV_LABEL[environment]})`,
        attributes: { domain: domain.key, tier: tierOf(criticality), sla: criticality === "critical" ? "99.95" : "99.9", oncall: `${domain.key}-oncall` },
      });

      const [minApps, maxApps] = ({ prod: [8, 12], staging: [5, 8], dev: [3, 6] } as const)[environment];
      const picked = new Set<string>(rng.sample(COMPONENTS, rng.int(minApps, maxApps)));
      picked.add("api");
      const apps: CiRecord[] = [];
      for (const component of COMPONENTS) {
        if (!picked.has(component)) continue;
        const language = component === "cache" ? "redis" : languages.get(domain.key)!;
        const app = b.add({
          ci_id: `app-${domain.key}-${component}${suffix}`,
          name: `${domain.title} ${titleCase(component)}${environment === "prod" ? "" : ` (${environment})`}`,
          type: "app",
          environment,
          location,
          owner_team: team,
          criticality,
          description: `${titleCase(component)} component of ${domain.title}: ${domain.blurb}`,
          attributes: {
            domain: domain.key,
            component,
            language,
            version: `${rng.int(1, 5)}.${rng.int(0, 30)}.${rng.int(0, 20)}`,
            port: FRONT_COMPONENTS.has(component) ? 8443 : 8080,
          },
        });
        apps.push(app);
        b.relate(service, "composed_of", app);
        const vms = { prod: rng.int(3, 5), staging: 2, dev: 1 }[environment];
        vmDemands.push({ owner: app, environment, location, count: vms });
      }

      const unit: ServiceUnit = { domain, environment, location, service, apps, primaries: [], replicas: [] };
      const primaryCount =
        domain.key === "orders" && environment === "prod" ? 3 : environment === "prod" ? rng.weighted([[1, 60], [2, 35], [0, 5]]) : 1;
      for (let i = 0; i < primaryCount; i++) {
        const engine = domain.key === "orders" && environment === "prod" && i === 0 ? "postgresql" : rng.weighted(DB_ENGINES);
        const version = domain.key === "orders" && environment === "prod" && i === 0 ? "15.6" : rng.pick(ENGINE_VERSIONS[engine]!);
        const number = ++dbCounter[environment];
        const primaryId = `db-${ENV_CODE[environment]}-${pad(number, 2)}`;
        const role = i === 0 ? "core" : rng.pick(["events", "archive", "reporting", "cache", "queue"]);
        const storage = rng.pick([200, 500, 1000, 2000, 4000]);
        const primary = b.add({
          ci_id: primaryId,
          name: `${domain.key}-${role} (${engine} primary)`,
          type: "database",
          environment,
          location,
          owner_team: "team-dba",
          criticality,
          description: `${ENGINE_TITLES[engine]} ${version} primary for ${domain.title}: ${domain.blurb}`,
          attributes: { engine, version, role: "primary", cluster: primaryId, storage_gb: storage, port: ENGINE_PORTS[engine]!, domain: domain.key },
        });
        unit.primaries.push(primary);
        const replicas = environment === "prod" ? rng.int(1, 2) : 0;
        for (let r = 1; r <= replicas; r++) {
          const replica = b.add({
            ci_id: `${primaryId}-r${r}`,
            name: `${domain.key}-${role} (${engine} replica ${r})`,
            type: "database",
            environment,
            location,
            owner_team: "team-dba",
            criticality,
            description: `${ENGINE_TITLES[engine]} ${version} replica ${r} of ${primaryId} for ${domain.title}`,
            attributes: { engine, version, role: "replica", cluster: primaryId, storage_gb: storage, port: ENGINE_PORTS[engine]!, domain: domain.key },
          });
          unit.replicas.push(replica);
          b.relate(replica, "replica_of", primary);
        }
        for (const db of [primary, ...unit.replicas.filter((r) => r.attributes.cluster === primaryId)]) {
          if (environment === "prod") dbHostDemands.push(db);
          else vmDemands.push({ owner: db, environment, location, count: 1 });
        }
      }
      units.push(unit);
    }
  }

  wireCalls(b, units);
  wireDatabases(b, units);
  const flagship = b.get("db-prod-01");
  if (!flagship) throw new Error("the estate must contain db-prod-01");
  wireFlagshipDependents(b, units, flagship);
  return { units, vmDemands, dbHostDemands, flagship };
}

function apiOf(unit: ServiceUnit): CiRecord {
  return unit.apps.find((a) => a.attributes.component === "api") ?? unit.apps[0]!;
}

/** Service and app calls: a DAG by domain order, plus platform dependencies and a few mutual calls. */
function wireCalls(b: EstateBuilder, units: ServiceUnit[]): void {
  const { rng } = b;
  for (const environment of ENVIRONMENTS) {
    const envUnits = units.filter((u) => u.environment === environment);
    const byDomain = new Map(envUnits.map((u) => [u.domain.key, u]));
    const platform = envUnits.filter((u) => u.domain.platform);
    envUnits.forEach((unit, index) => {
      // Sibling calls go from front components to back ones: no cycles inside a service.
      unit.apps.forEach((app, i) => {
        const later = unit.apps.slice(i + 1);
        for (const callee of rng.sample(later, rng.int(2, 4))) b.relate(app, "calls", callee);
      });
      const callees: ServiceUnit[] = [];
      if (!unit.domain.platform) {
        for (const p of platform) if (rng.chance(0.5)) callees.push(p);
        const later = envUnits.slice(index + 1).filter((u) => !u.domain.platform);
        callees.push(...rng.sample(later, rng.int(2, 4)));
      } else {
        // Platform services lean on the platform services listed before them.
        callees.push(...platform.filter((p) => p.domain.key < unit.domain.key && rng.chance(0.3)));
      }
      for (const callee of callees) {
        b.relate(unit.service, "calls", callee.service);
        const callers = rng.sample(unit.apps, unit.domain.platform ? 1 : rng.int(2, 5));
        for (const caller of callers) b.relate(caller, "calls", apiOf(callee));
      }
      // Every app of the estate talks to the platform: auth and the event bus are the classic shared dependencies.
      for (const app of unit.apps) {
        for (const p of platform) {
          if (p !== unit && rng.chance(p.domain.key === "identity" ? 0.7 : 0.4)) b.relate(app, "calls", apiOf(p));
        }
      }
    });
    if (environment === "dev") continue;
    for (const [a, c] of MUTUAL_CALLS) {
      const ua = byDomain.get(a);
      const uc = byDomain.get(c);
      if (!ua || !uc) continue;
      b.relate(ua.service, "calls", uc.service);
      b.relate(uc.service, "calls", ua.service);
      b.relate(apiOf(ua), "calls", apiOf(uc));
      b.relate(apiOf(uc), "calls", apiOf(ua));
    }
  }
}

/** Each backend app uses one of its service's primaries, and in production often reads from a replica. */
function wireDatabases(b: EstateBuilder, units: ServiceUnit[]): void {
  const { rng } = b;
  for (const unit of units) {
    if (unit.primaries.length === 0) continue;
    for (const app of unit.apps) {
      const component = String(app.attributes.component);
      const backend = !FRONT_COMPONENTS.has(component) || component === "api" || component === "admin";
      if (!backend) continue;
      const primaries = component === "api" ? unit.primaries : [rng.pick(unit.primaries)];
      for (const primary of primaries) if (component === "api" || rng.chance(0.8)) b.relate(app, "connects_to", primary);
      for (const replica of unit.replicas) if (rng.chance(0.5)) b.relate(app, "reads_from", replica);
    }
  }
}

/** db-prod-01 is the old shared orders database: many production services still read and write it. */
function wireFlagshipDependents(b: EstateBuilder, units: ServiceUnit[], flagship: CiRecord): void {
  const { rng } = b;
  const prod = units.filter((u) => u.environment === "prod" && u.domain.key !== "orders" && !u.domain.platform);
  const users = prod.slice(0, Math.max(4, Math.round(prod.length * 0.3)));
  for (const unit of users) {
    const backend = unit.apps.filter((a) => !FRONT_COMPONENTS.has(String(a.attributes.component)) || a.attributes.component === "api");
    for (const app of rng.sample(backend, rng.int(1, 3))) b.relate(app, "connects_to", flagship);
  }
  const orders = units.find((u) => u.environment === "prod" && u.domain.key === "orders");
  for (const app of orders?.apps ?? []) if (app.attributes.component !== "web") b.relate(app, "connects_to", flagship);
}
