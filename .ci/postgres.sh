# shellcheck shell=bash
# Start a local PostgreSQL for the server-mode tool tests.
#
# Idempotent; meant to be sourced by .ci/run (it returns rather than exits, and sets no shell
# options in the caller). Installs Debian's postgresql when it is missing, starts the cluster on
# 127.0.0.1:5432 and makes sure role and database `plangraph` (password `plangraph`) exist.
# Afterwards: PLANGRAPH_TEST_DATABASE_URL=postgres://plangraph:plangraph@127.0.0.1:5432/plangraph
# (tests), and postgres://plangraph:plangraph@127.0.0.1:5432/plangraph_bench for bench/tools.ts.

plangraph_postgres_up() {
  local log=/tmp/plangraph-postgres-setup.log
  : >"$log"
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "postgres.sh: installing postgresql from Debian's packages (log: $log)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >>"$log" 2>&1 || { echo "postgres.sh: apt-get update failed (see $log)" >&2; return 1; }
    apt-get install -y --no-install-recommends postgresql >>"$log" 2>&1 \
      || { echo "postgres.sh: apt-get install postgresql failed (see $log)" >&2; return 1; }
  fi

  # Plain variables rather than pipelines into `grep -q`: safe under the caller's pipefail/errexit.
  local version clusters state
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  clusters=$(pg_lsclusters -h 2>/dev/null || true)
  state=$(awk -v v="$version" '$1==v && $2=="main" {print $4}' <<<"$clusters")
  if [ -z "$state" ]; then
    pg_createcluster "$version" main >>"$log" 2>&1 \
      || { echo "postgres.sh: pg_createcluster $version main failed (see $log)" >&2; return 1; }
    state=down
  fi
  # The suite runs test files side by side, several of them with three or four worker processes
  # of up to 2 x concurrency + 4 connections each: Debian's default of 100 slots runs out.
  pg_conftool "$version" main set max_connections 300 >>"$log" 2>&1 \
    || { echo "postgres.sh: setting max_connections failed (see $log)" >&2; return 1; }
  if [ "$state" = online ] && [ "$(cd /tmp && su postgres -c "psql -tAc 'SHOW max_connections'" 2>>"$log")" != 300 ]; then
    pg_ctlcluster "$version" main restart >>"$log" 2>&1 \
      || { echo "postgres.sh: pg_ctlcluster $version main restart failed (see $log)" >&2; return 1; }
  fi
  if [ "$state" != online ]; then
    pg_ctlcluster "$version" main start >>"$log" 2>&1 \
      || { echo "postgres.sh: pg_ctlcluster $version main start failed (see $log)" >&2; return 1; }
  fi

  local i
  for i in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p 5432; then break; fi
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "postgres.sh: PostgreSQL did not accept connections on 127.0.0.1:5432" >&2; return 1; }

  (cd /tmp && su postgres -c "psql -q -v ON_ERROR_STOP=1 -d postgres" >>"$log" 2>&1) <<'SQL' \
    || { echo "postgres.sh: creating role/database plangraph failed (see $log)" >&2; return 1; }
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plangraph') THEN
    CREATE ROLE plangraph LOGIN PASSWORD 'plangraph';
  ELSE
    ALTER ROLE plangraph LOGIN PASSWORD 'plangraph';
  END IF;
END
$$;
SELECT 'CREATE DATABASE plangraph OWNER plangraph'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'plangraph')\gexec
SELECT 'CREATE DATABASE plangraph_bench OWNER plangraph'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'plangraph_bench')\gexec
SQL
  return 0
}

plangraph_postgres_up
