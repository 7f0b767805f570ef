import { afterAll, describe, expect, it } from "vitest";
import { ops_service_hosts_cpu } from "../../graphs/examples.js";
import { closeCliResources } from "../../src/cli/registry.js";

afterAll(() => closeCliResources());

describe("the served example graph (what Studio draws)", () => {
  it("ops_service_hosts_cpu: one node per step, and with xray the sub-plan's inner steps inside it", async () => {
    const graph = await ops_service_hosts_cpu({ configurable: {} });
    const plain = await graph.getGraphAsync();
    expect(Object.keys(plain.nodes).filter((id) => !id.startsWith("__")).sort()).toEqual(["per_service", "primary", "services"]);
    const xray = await graph.getGraphAsync({ xray: true });
    expect(Object.keys(xray.nodes).filter((id) => !id.startsWith("__")).sort()).toEqual(["per_service:cpu", "per_service:hosts", "primary", "services"]);
    expect(xray.drawMermaid()).toMatch(/per_service_hosts --> per_service_cpu/);
  }, 120_000);
});
