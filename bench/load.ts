import { Agent, request } from "node:http";
import type { BenchRequest } from "./inbound.js";

export interface LoadResult {
  requests: number;
  ok: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadOptions {
  port: number;
  /** Several gateways on one database: request `id` goes to `ports[id % ports.length]` instead of `port`. */
  ports?: readonly number[] | undefined;
  /** The ids of the requests to send, in order. */
  ids: number[];
  build: (id: number) => BenchRequest;
  /** Called just before a request is written (the inbound receipt time, as the fakes see it). */
  onSend?: (id: number, at: number) => void;
}

/** Milliseconds on the monotonic clock (the same clock in every process of this machine). */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Closed loop: `concurrency` requests in flight over keep-alive connections, each latency measured. */
export async function postLoad(options: LoadOptions & { concurrency: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  const startedAt = nowMs();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.ids.length) {
        const id = options.ids[next++] ?? 0;
        const outcome = await send(agent, options, id);
        latencies.push(outcome.ms);
        if (outcome.status === 200) ok++;
      }
    }),
  );
  agent.destroy();
  return summarize(latencies, ok, (nowMs() - startedAt) / 1000);
}

/** Open loop: requests start at `perSecond` whatever the answers do, so queueing shows in the latency. */
export async function pacedLoad(options: LoadOptions & { perSecond: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let ok = 0;
  const startedAt = nowMs();
  const pending: Promise<void>[] = [];
  let sent = 0;
  while (sent < options.ids.length) {
    const due = Math.min(options.ids.length, Math.floor(((nowMs() - startedAt) * options.perSecond) / 1000) + 1);
    for (; sent < due; sent++) {
      const id = options.ids[sent] ?? 0;
      pending.push(
        send(agent, options, id).then((outcome) => {
          latencies.push(outcome.ms);
          if (outcome.status === 200) ok++;
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  agent.destroy();
  return summarize(latencies, ok, (nowMs() - startedAt) / 1000);
}

function send(agent: Agent, options: LoadOptions, id: number): Promise<{ status: number; ms: number }> {
  const { path, body, headers } = options.build(id);
  return new Promise((resolve) => {
    const started = nowMs();
    options.onSend?.(id, started);
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port:
          options.ports && options.ports.length > 0
            ? (options.ports[id % options.ports.length] ?? options.port)
            : options.port,
        path,
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: nowMs() - started }));
      },
    );
    req.on("error", () => resolve({ status: 0, ms: nowMs() - started }));
    req.end(body);
  });
}

function summarize(latencies: number[], ok: number, seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
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
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return percentile(sorted, 0.5);
}
