import type { EstateMeta } from "../estate/load.js";
import type { SqlClient } from "./sql-client.js";

/** An open estate database: the client the tools query and what the estate says about itself. */
export interface OpsDatabase {
  client: SqlClient;
  meta: EstateMeta;
  /** Where the data lives, for messages: a directory or a redacted URL. */
  location: string;
  /**
   * False for a private copy of an embedded estate another process has open: reads answer the
   * same, but a write would vanish with the copy, so the write tools refuse it. Absent = writable.
   */
  writable?: boolean;
}
