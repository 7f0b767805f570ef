/**
 * Which tenant created each run, for the one route of the JS dev server that reads a run without
 * checking its thread's owner: `GET /runs/:run_id/stream` (joining a stateless run by its id; the
 * server skips the auth filter when no thread id is given). The auth handler records every run it
 * admits and refuses that route for a run of another tenant — or one it does not know (created
 * before a restart): the thread-scoped `GET /threads/:thread_id/runs/:run_id/stream` still serves
 * its owner.
 */

/** Joined by id without a thread: the path `/runs/<uuid>/stream`. */
const STATELESS_JOIN = /^\/runs\/([0-9a-fA-F-]{36})\/stream\/?$/;

export class RunOwners {
  private readonly owners = new Map<string, string>();

  /** Remembers at most this many runs, forgetting the oldest first. */
  constructor(private readonly capacity = 100_000) {}

  record(runId: string, tenant: string): void {
    this.owners.delete(runId);
    this.owners.set(runId, tenant);
    if (this.owners.size > this.capacity) this.owners.delete(this.owners.keys().next().value!);
  }

  /** The run a stateless join asks for, or undefined when the path is another route. */
  static joinedRun(pathname: string): string | undefined {
    return STATELESS_JOIN.exec(pathname)?.[1]?.toLowerCase();
  }

  /** True when `tenant` created the run. */
  owns(runId: string, tenant: string): boolean {
    return this.owners.get(runId.toLowerCase()) === tenant;
  }
}
