/**
 * One graph per example plan (examples/*.json), so Studio shows each of them without any setup.
 * test/server/langgraph-json.test.ts checks that every example has its export here and its entry
 * in langgraph.json (an example added without them fails that test).
 */
import { exampleGraph } from "./plan-graph.js";

export const decision_branches = exampleGraph("decision-branches");
export const eager_dataflow = exampleGraph("eager-dataflow");
export const ops_checkout_health = exampleGraph("ops-checkout-health");
export const ops_db_prod_01_impact = exampleGraph("ops-db-prod-01-impact");
export const ops_estate_overview = exampleGraph("ops-estate-overview");
export const ops_hot_hosts_changes = exampleGraph("ops-hot-hosts-changes");
export const ops_rack_blast_radius = exampleGraph("ops-rack-blast-radius");
export const ops_service_hosts_cpu = exampleGraph("ops-service-hosts-cpu");
export const ops_per_service_cpu = exampleGraph("ops-per-service-cpu");
export const ops_slow_databases = exampleGraph("ops-slow-databases");
export const search_until_enough = exampleGraph("search-until-enough");
export const sectioned_retries = exampleGraph("sectioned-retries");
