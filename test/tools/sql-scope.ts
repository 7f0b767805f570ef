/**
 * A SqlClient that records every statement the tools send, and the check the tenant tests apply
 * to each: every ops table a statement reads names an alias, and each reference to it is matched
 * by an `<alias>.tenant = $n` condition whose parameter is the caller's tenant.
 */
import type { SqlClient } from "../../tools/index.js";

export interface Statement {
  sql: string;
  params: readonly unknown[];
}

/** `client`, recording into `into` every statement sent through it (transactions included). */
export function recordingClient(client: SqlClient, into: Statement[]): SqlClient {
  return {
    dialect: client.dialect,
    query: (sql, params = []) => {
      into.push({ sql, params });
      return client.query(sql, params);
    },
    exec: (sql) => {
      into.push({ sql, params: [] });
      return client.exec(sql);
    },
    transaction: (fn) => client.transaction((tx) => fn(recordingClient(tx, into))),
    bulkInsert: (table, columns, rows, options) => client.bulkInsert(table, columns, rows, options),
    close: () => client.close(),
  };
}

const KEYWORDS = new Set(["where", "join", "on", "group", "order", "limit", "cross", "left", "inner", "union", "select", "set", "values"]);

/** What is wrong with the tenant scoping of one statement for `tenant`; empty when every table it reads is scoped. */
export function scopeProblems(statement: Statement, tenant: string): string[] {
  const { sql, params } = statement;
  const problems: string[] = [];
  const refsByAlias = new Map<string, number>();
  for (const m of sql.matchAll(/\bops\.(\w+)(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?/g)) {
    const before = sql.slice(0, m.index);
    // The target of an INSERT gets its tenant from the scoped SELECT that feeds it (checked there).
    if (/INSERT\s+INTO\s+$/i.test(before)) continue;
    const alias = m[2];
    if (!alias || KEYWORDS.has(alias.toLowerCase())) {
      problems.push(`ops.${m[1]} is read without an alias, so its tenant condition cannot be checked`);
      continue;
    }
    refsByAlias.set(alias, (refsByAlias.get(alias) ?? 0) + 1);
  }
  for (const [alias, refs] of refsByAlias) {
    const scoped = [...sql.matchAll(new RegExp(`\\b${alias}\\.tenant = \\$(\\d+)`, "g"))].filter((m) => params[Number(m[1]) - 1] === tenant).length;
    if (scoped < refs) problems.push(`${alias}: ${refs} reference(s) to an ops table, ${scoped} condition(s) "${alias}.tenant = $n" with the caller's tenant`);
  }
  return problems;
}
