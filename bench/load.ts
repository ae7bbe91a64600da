import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  ok: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Sends `total` POSTs with `concurrency` in flight over keep-alive connections
 * and measures each request's latency.
 */
export async function postLoad(options: {
  url: string;
  total: number;
  concurrency: number;
  body: (index: number) => string;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(options.url);
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  const one = (index: number) =>
    new Promise<void>((resolve) => {
      const payload = options.body(index);
      const started = process.hrtime.bigint();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (res.statusCode === 200) ok++;
            resolve();
          });
        },
      );
      req.on("error", () => resolve());
      req.end(payload);
    });
  const startedAt = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.total) await one(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: options.total,
    ok,
    seconds,
    perSecond: ok / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 0.5);
}
