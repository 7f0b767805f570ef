import type { CiStatus, Environment, RelationType } from "../vocabulary.js";
import type { CiRecord, EstateClock, RelationshipRecord } from "./model.js";
import { DAY_MS } from "./model.js";
import type { Rng } from "./random.js";

type NewCi = Omit<CiRecord, "status" | "created_at" | "updated_at"> & { status?: CiStatus };

const STATUS_WEIGHTS: Record<Environment, ReadonlyArray<readonly [CiStatus, number]>> = {
  prod: [["operational", 940], ["degraded", 25], ["maintenance", 15], ["down", 6], ["retired", 14]],
  staging: [["operational", 900], ["degraded", 30], ["maintenance", 40], ["down", 10], ["retired", 20]],
  dev: [["operational", 860], ["degraded", 40], ["maintenance", 50], ["down", 20], ["retired", 30]],
};

/** Collects CIs and relationships, refusing duplicates, and stamps statuses and timestamps. */
export class EstateBuilder {
  readonly cis: CiRecord[] = [];
  readonly relationships: RelationshipRecord[] = [];
  private readonly byId = new Map<string, CiRecord>();
  private readonly edges = new Set<string>();
  private ipCounter = 0;

  constructor(
    readonly rng: Rng,
    readonly clock: EstateClock,
  ) {}

  add(ci: NewCi): CiRecord {
    if (this.byId.has(ci.ci_id)) throw new Error(`duplicate CI id ${ci.ci_id}`);
    const created = this.clock.now - Math.floor(this.rng.range(40, 1100) * DAY_MS);
    const updated = created + Math.floor(this.rng.next() * (this.clock.now - created));
    const record: CiRecord = {
      ...ci,
      status: ci.status ?? this.rng.weighted(STATUS_WEIGHTS[ci.environment]),
      created_at: Math.floor(created / 1000) * 1000,
      updated_at: Math.floor(updated / 1000) * 1000,
    };
    this.cis.push(record);
    this.byId.set(record.ci_id, record);
    return record;
  }

  get(ciId: string): CiRecord | undefined {
    return this.byId.get(ciId);
  }

  /** Adds `source relation target` once; a repeated edge is ignored. */
  relate(source: CiRecord | string, relation: RelationType, target: CiRecord | string): void {
    const s = typeof source === "string" ? source : source.ci_id;
    const t = typeof target === "string" ? target : target.ci_id;
    if (s === t) return;
    const key = `${s}\u0000${relation}\u0000${t}`;
    if (this.edges.has(key)) return;
    this.edges.add(key);
    this.relationships.push({ source_id: s, target_id: t, relation });
  }

  /** A private address, unique in the estate, stable for a seed. */
  nextIp(environment: Environment, location: string): string {
    const n = this.ipCounter++;
    const envOctet = { prod: 10, staging: 20, dev: 30 }[environment];
    const locOctet = { fra1: 0, iad1: 64, sin1: 128 }[location] ?? 192;
    return `10.${envOctet + Math.floor(n / 65536)}.${locOctet + (Math.floor(n / 256) % 64)}.${n % 256}`;
  }
}
