import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';

/** `count` server processes on one database, as replicas behind a load balancer. */
export async function startReplicas(databaseUrl: string, count: number): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startServerProcess(databaseUrl)));
}

/** The sum of the samples of Prometheus metric `name` (all labels) across the replicas' `/metrics`. */
export async function scrape(replicas: ServerProcess[], name: string): Promise<number> {
  let total = 0;
  for (const replica of replicas) {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(' ').pop());
    }
  }
  return total;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
