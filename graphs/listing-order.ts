/**
 * Which assistants `POST /assistants/search {}` shows first. The JS LangGraph server
 * (@langchain/langgraph-api 2.0, `FileSystemAssistants.search`) lists assistants newest first by
 * `created_at` (it ignores `sort_by`), 10 to a page, and registers each graph of langgraph.json
 * the moment its module has loaded — so with twelve graphs, whichever loaded first fell off the
 * first page. The graphs people start from (`orchestrator`, then `ops_agent`) finish loading after
 * the example graphs, and a few milliseconds later so that their `created_at` is strictly newer
 * (the server's clock has millisecond resolution; ties keep registration order, oldest first).
 * Assistants created before (a server's `.langgraph_api/` store) keep their old times.
 */

/** Ms between one registration and the next: more than the clock's resolution, with margin for timer jitter. */
const GAP_MS = 15;

/** Resolves once `earlier` (a module of graphs to list after this one) has loaded, and a little after. */
export async function registeredAfter(earlier: () => Promise<unknown>): Promise<void> {
  await earlier();
  await new Promise((done) => setTimeout(done, GAP_MS));
}
