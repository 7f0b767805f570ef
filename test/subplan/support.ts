/** Fixtures of the sub-plan suites: services, their hosts and their CPU, each call logged. */
import { z } from "zod";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { defineTool } from "../../src/tools/define.js";
import { abortableDelay } from "../../src/tools/builtin.js";

export interface Service {
  name: string;
  hosts: string[];
  /** A host whose CPU read fails. */
  broken?: string;
  /** How long `hosts_of` takes for this service (ms); the tools' `ms` otherwise. */
  slow?: number;
}

export interface CallLog {
  tools: StructuredToolInterface[];
  /** `tool:argument` in call order. */
  calls: string[];
  /** [start, end] on Date.now per call key. */
  spans: Map<string, [number, number]>;
  maxActive: number;
}

const CPU = (host: string) => host.length * 10;

/**
 * `services` lists services; `hosts_of` gives a service's hosts; `cpu_of` reads hosts' CPU
 * (`ms` per call, failing on a service's broken host). Output schemas are declared, so
 * references into them are checked before a run.
 */
export function serviceTools(services: readonly Service[], ms = 5): CallLog {
  let active = 0;
  const log: CallLog = { tools: [], calls: [], spans: new Map(), maxActive: 0 };
  const timed = async <T>(key: string, signal: AbortSignal | undefined, work: () => T, took = ms): Promise<T> => {
    log.calls.push(key);
    active++;
    log.maxActive = Math.max(log.maxActive, active);
    const start = Date.now();
    try {
      await abortableDelay(took, signal);
      return work();
    } finally {
      active--;
      log.spans.set(key, [start, Date.now()]);
    }
  };
  const serviceRow = z.object({ name: z.string() });
  const list = defineTool({
    name: "services",
    description: "Lists the services.",
    input: z.object({}),
    output: z.object({ data: z.object({ rows: z.array(serviceRow) }) }),
    run: async (_input, config) => timed("services", config.signal, () => ({ data: { rows: services.map((s) => ({ name: s.name })) } })),
  });
  const hosts = defineTool({
    name: "hosts_of",
    description: "The hosts of one service.",
    input: z.object({ service: z.string() }),
    output: z.object({ data: z.object({ hosts: z.array(z.string()) }) }),
    run: async ({ service }, config) =>
      timed(`hosts_of:${service}`, config.signal, () => {
        const found = services.find((s) => s.name === service);
        if (!found) throw new Error(`no service ${service}`);
        return { data: { hosts: found.hosts } };
      }, services.find((s) => s.name === service)?.slow ?? ms),
  });
  const cpu = defineTool({
    name: "cpu_of",
    description: "CPU of hosts.",
    input: z.object({ hosts: z.array(z.string()) }),
    output: z.object({ data: z.object({ rows: z.array(z.object({ host: z.string(), cpu: z.number() })) }) }),
    run: async ({ hosts }, config) =>
      timed(`cpu_of:${hosts.join(",")}`, config.signal, () => {
        const broken = services.find((s) => s.broken !== undefined && hosts.includes(s.broken));
        if (broken) throw new Error(`host ${broken.broken} does not answer`);
        return { data: { rows: hosts.map((host) => ({ host, cpu: CPU(host) })) } };
      }),
  });
  log.tools = [list, hosts, cpu];
  return log;
}

/** The CPU rows `cpu_of` gives for these hosts. */
export function cpuRows(hosts: readonly string[]) {
  return hosts.map((host) => ({ host, cpu: CPU(host) }));
}

/** For each service: its hosts, then their CPU; `report` reads element 0's CPU rows. */
export function perServicePlan(step: Record<string, unknown> = {}) {
  return {
    steps: [
      { id: "svc", tool: "services" },
      {
        id: "per_service",
        for_each: "{svc.data.rows}",
        steps: [
          { id: "hosts", tool: "hosts_of", params: { service: "{item.name}" } },
          { id: "cpu", tool: "cpu_of", params: { hosts: "{hosts.data.hosts}" } },
        ],
        ...step,
      },
      { id: "report", tool: "echo", params: { first: "{per_service[0].cpu.data.rows}" } },
    ],
  };
}
