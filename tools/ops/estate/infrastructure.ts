import type { Environment } from "../vocabulary.js";
import { LOCATIONS } from "../vocabulary.js";
import type { ApplicationLayer, ServiceUnit } from "./applications.js";
import type { EstateBuilder } from "./builder.js";
import type { CiRecord } from "./model.js";
import { ENV_CODE, FRONT_COMPONENTS, HOST_MODELS, VM_OS, VM_SIZES, pad } from "./names.js";

/**
 * Compute and network under the application layer: VMs for every app, hypervisor hosts in
 * clusters, bare-metal database hosts, racks with top-of-rack switch pairs, aggregation and core
 * layers, firewalls and the load balancers in front of the services.
 */

const VMS_PER_HOST: Record<Environment, number> = { prod: 5, staging: 7, dev: 8 };
const HOSTS_PER_RACK = 16;

/** Where everything runs: VMs per app or database, host per VM or database. */
export interface Infrastructure {
  hosts: CiRecord[];
  /** app or database id → the VMs it runs on. */
  vmsOf: Map<string, CiRecord[]>;
  /** vm or database id → its host. */
  hostOf: Map<string, CiRecord>;
}

/** VMs, hosts, racks, network devices and load balancers for the application layer. */
export function buildInfrastructure(b: EstateBuilder, apps: ApplicationLayer): Infrastructure {
  const { rng } = b;
  const vmsOf = new Map<string, CiRecord[]>();
  const hostOf = new Map<string, CiRecord>();
  const vmNumber = new Map<string, number>();
  const pools = new Map<string, CiRecord[]>(); // `${env}/${location}` → VMs to place
  const lastAppVms = new Map<string, CiRecord[]>(); // `${env}/${location}` → VMs of the app created last there

  for (const demand of apps.vmDemands) {
    const { owner, environment, location } = demand;
    const list: CiRecord[] = [];
    const siblings = owner.type === "app" ? lastAppVms.get(`${environment}/${location}`) : undefined;
    // A few apps share a VM with the app created before them (co-located sidecars, small tools).
    if (siblings && siblings.length > 0 && rng.chance(0.08)) list.push(rng.pick(siblings));
    for (let i = list.length; i < demand.count; i++) {
      const key = `${environment}/${location}`;
      const n = (vmNumber.get(key) ?? 0) + 1;
      vmNumber.set(key, n);
      const [cores, memory] = rng.weighted(VM_SIZES);
      const vm = b.add({
        ci_id: `vm-${ENV_CODE[environment]}-${location}-${pad(n, 4)}`,
        name: `${owner.ci_id}-${i + 1}`,
        type: "vm",
        environment,
        location,
        owner_team: "team-compute",
        criticality: owner.criticality,
        description: `Virtual machine ${i + 1} for ${owner.name}`,
        attributes: { os: rng.weighted(VM_OS), cpu_cores: cores, memory_gb: memory, ip: b.nextIp(environment, location), cluster: "" },
      });
      list.push(vm);
      if (!pools.has(key)) pools.set(key, []);
      pools.get(key)!.push(vm);
    }
    for (const vm of list) b.relate(owner, owner.type === "database" ? "hosted_on" : "runs_on", vm);
    vmsOf.set(owner.ci_id, list);
    if (owner.type === "app") lastAppVms.set(`${environment}/${location}`, list);
  }

  const hosts: CiRecord[] = [];
  const hostNumber: Record<Environment, number> = { prod: 0, staging: 0, dev: 0 };
  const newHost = (environment: Environment, location: string, cluster: string, role: string, criticality: CiRecord["criticality"]) => {
    const n = ++hostNumber[environment];
    const [vendor, model, cores, memory] = rng.weighted(HOST_MODELS);
    const host = b.add({
      ci_id: `host-${ENV_CODE[environment]}-${pad(n, 4)}`,
      name: `${location}-${ENV_CODE[environment]}-${role === "database" ? "db" : "hv"}-${pad(n, 4)}`,
      type: "host",
      environment,
      location,
      owner_team: role === "database" ? "team-dba" : "team-compute",
      criticality,
      description: role === "database" ? `Bare-metal database server in ${location}` : `Hypervisor in cluster ${cluster}`,
      attributes: {
        os: role === "database" ? "rhel-9.3" : "esxi-8.0",
        cpu_cores: cores,
        memory_gb: memory,
        vendor,
        model,
        role,
        cluster,
        rack: "",
        ip: b.nextIp(environment, location),
      },
    });
    hosts.push(host);
    return host;
  };

  // Hypervisor clusters, per environment and location, sized to their VMs.
  // Production first, so the first racks of each data centre hold production hosts.
  const rank = (key: string) => ["prod", "staging", "dev"].indexOf(key.split("/")[0]!) * 10 + LOCATIONS.indexOf(key.split("/")[1] as (typeof LOCATIONS)[number]);
  for (const [key, vms] of [...pools.entries()].sort(([a], [c]) => rank(a) - rank(c))) {
    const [environment, location] = key.split("/") as [Environment, string];
    const count = Math.max(2, Math.ceil(vms.length / VMS_PER_HOST[environment]));
    const clusterSize = rng.int(12, 16);
    const poolHosts: CiRecord[] = [];
    for (let i = 0; i < count; i++) {
      const cluster = `${ENV_CODE[environment]}-${location}-c${pad(Math.floor(i / clusterSize) + 1, 2)}`;
      poolHosts.push(newHost(environment, location, cluster, "hypervisor", environment === "prod" ? "high" : "low"));
    }
    const order = rng.sample(vms, vms.length);
    order.forEach((vm, i) => {
      const host = poolHosts[i % poolHosts.length]!;
      vm.attributes.cluster = String(host.attributes.cluster);
      b.relate(vm, "hosted_on", host);
      hostOf.set(vm.ci_id, host);
    });
  }

  // Production databases get bare-metal hosts of their own.
  for (const db of apps.dbHostDemands) {
    const host = newHost(db.environment, db.location, `prod-${db.location}-db`, "database", db.criticality);
    b.relate(db, "hosted_on", host);
    hostOf.set(db.ci_id, host);
  }

  buildNetwork(b, hosts);
  buildLoadBalancers(b, apps.units, vmsOf);
  return { hosts, vmsOf, hostOf };
}

const DEVICE_LABEL: Record<string, string> = {
  tor: "Top-of-rack switch",
  management: "Out-of-band management switch",
  aggregation: "Aggregation switch",
  core: "Core router",
  firewall: "Firewall",
};

function networkDevice(b: EstateBuilder, id: string, location: string, role: string, vendor: string, model: string): CiRecord {
  return b.add({
    ci_id: id,
    name: id.replace(/^net-/, ""),
    type: "network_device",
    environment: "prod",
    location,
    owner_team: "team-network",
    criticality: role === "tor" || role === "management" ? "high" : "critical",
    description: `${DEVICE_LABEL[role] ?? role} in ${location}`,
    attributes: { vendor, model, role, ip: b.nextIp("prod", location) },
    status: "operational",
  });
}

function buildNetwork(b: EstateBuilder, hosts: CiRecord[]): void {
  const cores: CiRecord[] = [];
  for (const location of LOCATIONS) {
    const local = hosts.filter((h) => h.location === location);
    if (local.length === 0) continue;
    const core = [1, 2].map((i) => networkDevice(b, `net-core-${location}-0${i}`, location, "core", "juniper", "MX480"));
    const agg = [1, 2, 3, 4].map((i) => networkDevice(b, `net-agg-${location}-0${i}`, location, "aggregation", "arista", "7280R3"));
    const fw = [1, 2].map((i) => networkDevice(b, `net-fw-${location}-0${i}`, location, "firewall", "palo-alto", "PA-5450"));
    b.relate(core[0]!, "peers_with", core[1]!);
    b.relate(core[1]!, "peers_with", core[0]!);
    for (const [x, y] of [[0, 1], [2, 3]] as const) {
      b.relate(agg[x]!, "peers_with", agg[y]!);
      b.relate(agg[y]!, "peers_with", agg[x]!);
    }
    for (const device of [...agg, ...fw]) for (const c of core) b.relate(device, "uplinks_to", c);
    cores.push(core[0]!);
    const racks = Math.ceil(local.length / HOSTS_PER_RACK);
    for (let r = 0; r < racks; r++) {
      const rack = `${location}-r${pad(r + 1, 2)}`;
      const tor = ["a", "b"].map((side) => networkDevice(b, `net-tor-${rack}${side}`, location, "tor", "arista", "7050SX3"));
      // The out-of-band management switch: iDRAC/iLO ports, a separate path to every host.
      const oob = networkDevice(b, `net-oob-${rack}`, location, "management", "cisco", "C9200L");
      const uplinks = r % 2 === 0 ? [agg[0]!, agg[1]!] : [agg[2]!, agg[3]!];
      for (const t of tor) for (const a of uplinks) b.relate(t, "uplinks_to", a);
      b.relate(oob, "uplinks_to", uplinks[0]!);
      for (const host of local.slice(r * HOSTS_PER_RACK, (r + 1) * HOSTS_PER_RACK)) {
        host.attributes.rack = rack;
        for (const t of [...tor, oob]) b.relate(host, "connected_to", t);
      }
    }
  }
  // The WAN: every data centre's first core router peers with the others (more cycles).
  for (const a of cores) for (const c of cores) if (a !== c) b.relate(a, "peers_with", c);
}

function buildLoadBalancers(b: EstateBuilder, units: ServiceUnit[], vmsOf: ReadonlyMap<string, CiRecord[]>): void {
  const { rng } = b;
  const numbers = new Map<string, number>();
  for (const unit of units) {
    const wanted = { prod: rng.chance(0.3) ? 2 : 1, staging: rng.chance(0.5) ? 1 : 0, dev: rng.chance(0.2) ? 1 : 0 }[unit.environment];
    for (let i = 0; i < wanted; i++) {
      const key = `${unit.environment}/${unit.location}`;
      const n = (numbers.get(key) ?? 0) + 1;
      numbers.set(key, n);
      const vendor = rng.weighted([["f5", 2], ["haproxy", 3], ["nginx", 2], ["envoy", 2]] as const);
      const lb = b.add({
        ci_id: `lb-${ENV_CODE[unit.environment]}-${unit.location}-${pad(n, 2)}`,
        name: `${unit.domain.key}-${i === 0 ? "public" : "internal"}-lb${unit.environment === "prod" ? "" : `-${ENV_CODE[unit.environment]}`}`,
        type: "load_balancer",
        environment: unit.environment,
        location: unit.location,
        owner_team: "team-network",
        criticality: unit.service.criticality,
        description: `${i === 0 ? "Public" : "Internal"} load balancer for ${unit.domain.title}`,
        attributes: { vendor, vip: b.nextIp(unit.environment, unit.location), port: 443, algorithm: rng.pick(["round_robin", "least_conn"]) },
      });
      b.relate(unit.service, "exposed_via", lb);
      const front = unit.apps.filter((a) => FRONT_COMPONENTS.has(String(a.attributes.component)));
      // The load balancer knows both the app (its pool) and the VMs behind it (the pool members).
      for (const app of front.length > 0 ? front : unit.apps.slice(0, 1)) {
        b.relate(lb, "routes_to", app);
        for (const vm of vmsOf.get(app.ci_id) ?? []) b.relate(lb, "routes_to", vm);
      }
      for (const side of ["01", "02"]) {
        const fw = b.get(`net-fw-${unit.location}-${side}`);
        if (fw) b.relate(lb, "protected_by", fw);
      }
    }
  }
}
