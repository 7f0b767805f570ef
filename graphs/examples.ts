/**
 * One graph per example plan (examples/*.json), so Studio shows each of them without any setup.
 * test/server/langgraph-json.test.ts checks that every example has its export and its entry in
 * langgraph.json.
 */
import { exampleGraph } from "./orchestrator.js";

export const decision_branches = exampleGraph("decision-branches");
export const eager_dataflow = exampleGraph("eager-dataflow");
export const sectioned_retries = exampleGraph("sectioned-retries");
export const search_until_enough = exampleGraph("search-until-enough");
