import { createHash } from "node:crypto";
import { AuditEntrySchema, type AuditEntry } from "../model/audit.js";
import type { AuditAnchor, AuditVerification, StoredAuditEntry } from "./audit-trail.js";

/**
 * The trail's hash chain. Row `n` stores `sha256(prev_hash ‖ n ‖ canonical entry)`, where
 * `prev_hash` is row `n-1`'s hash (64 zeros for the first row) and positions run 1, 2, 3… without
 * gaps. Changing a row breaks its own hash; removing one leaves a gap or a wrong `prev_hash`;
 * slipping one in (renumbering the rows after it) breaks the hashes of the renumbered rows. Only
 * someone who rewrites the whole chain from the changed row on, head included, goes unseen:
 * docs/AUDIT.md says how to anchor the head outside the database against that.
 */

/** The `prev_hash` of the first row. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields of an entry in one fixed order: the bytes hashed do not depend on how it was built. */
const FIELDS = Object.keys(AuditEntrySchema.shape).sort() as Array<keyof AuditEntry>;

/** The entry as canonical JSON: keys sorted, every field present (absent ones as null). */
export function canonicalEntry(entry: AuditEntry): string {
  return JSON.stringify(FIELDS.map((field) => [field, entry[field] ?? null]));
}

/** The hash of row `seq` holding `entry` after a row whose hash is `prevHash`. */
export function chainHash(prevHash: string, seq: number, entry: AuditEntry): string {
  return createHash("sha256").update(`${prevHash}\n${seq}\n${canonicalEntry(entry)}`).digest("hex");
}

/** The row to store after `head` (the last row's position and hash, or none yet). */
export function nextRow(head: { seq: number; hash: string } | undefined, entry: AuditEntry): StoredAuditEntry {
  const seq = (head?.seq ?? 0) + 1;
  const prev = head?.hash ?? GENESIS_HASH;
  return { seq, entry, prev_hash: prev, hash: chainHash(prev, seq, entry) };
}

/**
 * Checks rows fed oldest first against each other, then (`finish`) against the head the store
 * keeps — the last position and hash it wrote, so rows cut off the end are found too. Stops at the
 * first position where the chain breaks. Fed in batches, it never needs the whole trail at once.
 */
export class ChainChecker {
  private expectedSeq = 1;
  private prev = GENESIS_HASH;
  private count = 0;
  private failure: AuditVerification | undefined;

  /** `anchor`: a row's hash recorded elsewhere earlier; the row must still have it. */
  constructor(private readonly anchor?: AuditAnchor) {}

  /** Checks the next row; returns the failure once the chain is broken (and ignores later rows). */
  push(row: StoredAuditEntry): AuditVerification | undefined {
    if (this.failure) return this.failure;
    this.count++;
    const problem = this.problemOf(row);
    if (problem) return (this.failure = { ok: false, rows: this.count, ...problem });
    this.prev = row.hash;
    this.expectedSeq = row.seq + 1;
    return undefined;
  }

  /** The verdict, given the store's head (undefined when it has none). */
  finish(head: { seq: number; hash: string } | undefined): AuditVerification {
    if (this.failure) return this.failure;
    const last = this.expectedSeq - 1;
    const fail = (position: number, problem: string): AuditVerification => ({ ok: false, rows: this.count, position, problem });
    if (!head) return last > 0 ? fail(last, `the trail's head record is missing while ${last} row(s) exist`) : { ok: true, rows: 0 };
    if (head.seq > last) return fail(last + 1, `row ${last + 1}${head.seq > last + 1 ? `–${head.seq}` : ""} is missing (deleted from the end): the trail had ${head.seq} rows`);
    if (head.seq < last) return fail(head.seq + 1, `row ${head.seq + 1} was inserted after the last row the application wrote (${head.seq})`);
    if (head.hash !== this.prev) return fail(last, `row ${last} does not match the trail's head: the end of the chain was rewritten`);
    if (this.anchor && this.anchor.seq > last) return fail(this.anchor.seq, `row ${this.anchor.seq}, which the anchor records, is missing: the trail has ${last} rows`);
    return { ok: true, rows: this.count, ...(last > 0 ? { head: { seq: last, hash: this.prev } } : {}) };
  }

  private problemOf(row: StoredAuditEntry): { position: number; problem: string } | undefined {
    const at = (problem: string) => ({ position: row.seq, problem });
    if (row.seq > this.expectedSeq) {
      const range = row.seq - this.expectedSeq > 1 ? `–${row.seq - 1}` : "";
      return { position: this.expectedSeq, problem: `row ${this.expectedSeq}${range} is missing (deleted): the next row is ${row.seq}` };
    }
    if (row.seq < this.expectedSeq) return at(`row ${row.seq} appears twice or out of order`);
    const parsed = AuditEntrySchema.safeParse(row.entry);
    if (!parsed.success) return at(`row ${row.seq} is not a valid entry (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
    if (row.prev_hash !== this.prev) return at(`row ${row.seq} does not follow row ${row.seq - 1}: its prev_hash is not that row's hash (a row was changed, removed or inserted before it)`);
    if (chainHash(this.prev, row.seq, parsed.data) !== row.hash) return at(`row ${row.seq} was changed: its contents do not match its hash`);
    if (this.anchor?.seq === row.seq && this.anchor.hash !== row.hash) return at(`row ${row.seq} does not match the anchor recorded for it: the chain was rewritten from this row or before`);
    return undefined;
  }
}

/** Checks a whole chain read oldest first (see ChainChecker). */
export function verifyChain(rows: Iterable<StoredAuditEntry>, head: { seq: number; hash: string } | undefined, anchor?: AuditAnchor): AuditVerification {
  const checker = new ChainChecker(anchor);
  for (const row of rows) if (checker.push(row)) break;
  return checker.finish(head);
}
