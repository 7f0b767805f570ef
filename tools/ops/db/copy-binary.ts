import type { BulkValue, ColumnSpec } from "./sql-client.js";

/**
 * Encodes rows in PostgreSQL's binary COPY format. Binary rather than text because the metric
 * series are millions of floats: parsing them as text costs seconds in WASM, reading them as
 * bytes costs milliseconds.
 */

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const FLOAT4_OID = 700;
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const CHUNK = 1 << 20;

class ByteWriter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private at = 0;
  private readonly chunks: Buffer[] = [];

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    this.chunks.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.at = 0;
  }
  /** The elements of a float4 array, each as (length 4, value): the hot path of a build. */
  float4Elements(values: ArrayLike<number>): void {
    const n = values.length;
    this.room(n * 8);
    const view = this.view;
    let at = this.at;
    for (let i = 0; i < n; i++) {
      view.setInt32(at, 4);
      view.setFloat32(at + 4, values[i]!);
      at += 8;
    }
    this.at = at;
  }
  int16(v: number): void {
    this.room(2);
    this.at = this.buf.writeInt16BE(v, this.at);
  }
  int32(v: number): void {
    this.room(4);
    this.at = this.buf.writeInt32BE(v, this.at);
  }
  bigint64(v: bigint): void {
    this.room(8);
    this.at = this.buf.writeBigInt64BE(v, this.at);
  }
  float64(v: number): void {
    this.room(8);
    this.at = this.buf.writeDoubleBE(v, this.at);
  }
  bytes(b: Buffer): void {
    this.room(b.length);
    this.at += b.copy(this.buf, this.at);
  }
  finish(): Buffer[] {
    this.chunks.push(this.buf.subarray(0, this.at));
    return this.chunks;
  }
}

function writeValue(w: ByteWriter, column: ColumnSpec, value: BulkValue): void {
  if (value === null) {
    w.int32(-1);
    return;
  }
  switch (column.type) {
    case "text": {
      const b = Buffer.from(String(value), "utf8");
      w.int32(b.length);
      w.bytes(b);
      return;
    }
    case "int4":
      w.int32(4);
      w.int32(value as number);
      return;
    case "float8":
      w.int32(8);
      w.float64(value as number);
      return;
    case "timestamptz":
      w.int32(8);
      w.bigint64(BigInt(Math.round(((value as number) - PG_EPOCH_MS) * 1000)));
      return;
    case "jsonb": {
      const b = Buffer.from(JSON.stringify(value), "utf8");
      w.int32(b.length + 1);
      w.bytes(Buffer.of(1)); // jsonb binary format version
      w.bytes(b);
      return;
    }
    case "float4[]": {
      const values = value as ArrayLike<number>;
      w.int32(20 + values.length * 8);
      w.int32(1); // dimensions
      w.int32(0); // no NULL elements
      w.int32(FLOAT4_OID);
      w.int32(values.length);
      w.int32(1); // lower bound
      w.float4Elements(values);
      return;
    }
  }
}

/** The binary COPY stream for `rows`, as buffers to wrap in a Blob. Returns the row count too. */
export function encodeCopyBinary(
  columns: readonly ColumnSpec[],
  rows: Iterable<readonly BulkValue[]>,
): { chunks: Buffer[]; count: number } {
  const w = new ByteWriter();
  w.bytes(SIGNATURE);
  w.int32(0); // flags
  w.int32(0); // header extension length
  let count = 0;
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`row has ${row.length} values for ${columns.length} columns`);
    w.int16(columns.length);
    for (let i = 0; i < columns.length; i++) writeValue(w, columns[i]!, row[i]!);
    count++;
  }
  w.int16(-1);
  return { chunks: w.finish(), count };
}
