// npm run bench: accepted messages/s and accept latency through the loopback channel of the real
// gateway (a child process), against a bare node:http + SQLite baseline measured in the same run.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as netServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { FakeOpenAi } from "../tests/fakes/fake-openai.js";
import { type LoadResult, median, postLoad } from "./load.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOTAL = Number(process.env.BENCH_MESSAGES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function main(): Promise<void> {
  const root = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), "gateway-bench-"));
  const model = await new FakeOpenAi().start();
  model.fallback = () => ({ kind: "text", text: "ok", pieces: ["ok"] });
  const platform = await fakePlatform();
  const baselinePort = await freePort();
  const gatewayPort = await freePort();
  const baseline = spawn(
    process.execPath,
    [join(root, "dist/bench/baseline-server.js"), join(dir, "baseline.db"), String(baselinePort)],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  // BENCH_GATEWAY_NODE_ARGS="--cpu-prof" profiles the gateway process.
  const nodeArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const gateway = spawn(process.execPath, [...nodeArgs, join(root, "dist/src/cli.js"), "start"], {
    env: {
      PATH: process.env.PATH,
      OPENAI_BASE_URL: model.url,
      GATEWAY_MODEL: "fake-model",
      GATEWAY_DB: join(dir, "gateway.db"),
      GATEWAY_LOOPBACK_URL: `http://127.0.0.1:${(platform.address() as AddressInfo).port}`,
      GATEWAY_MAX_TURNS: "64",
      HOST: "127.0.0.1",
      PORT: String(gatewayPort),
      LOG_LEVEL: "error",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitReady(`http://127.0.0.1:${gatewayPort}/healthz`, "GET");
    await waitReady(`http://127.0.0.1:${baselinePort}/`, "POST");
    const results: { baseline: LoadResult[]; gateway: LoadResult[] } = { baseline: [], gateway: [] };
    for (let run = 0; run < RUNS; run++) {
      const body = (prefix: string) => (i: number) =>
        JSON.stringify({
          conversation: `c${i % 500}`,
          sender: `u${i % 500}`,
          text: `message ${i}`,
          message_id: `${prefix}${run}-${i}`,
        });
      results.baseline.push(
        await postLoad({
          url: `http://127.0.0.1:${baselinePort}/`,
          total: TOTAL,
          concurrency: CONCURRENCY,
          body: body("b"),
        }),
      );
      results.gateway.push(
        await postLoad({
          url: `http://127.0.0.1:${gatewayPort}/loopback/messages`,
          total: TOTAL,
          concurrency: CONCURRENCY,
          body: body("g"),
        }),
      );
    }
    report(results);
  } finally {
    gateway.kill("SIGTERM");
    baseline.kill("SIGTERM");
    await Promise.all([exited(gateway), exited(baseline)]);
    await model.stop();
    platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(results: { baseline: LoadResult[]; gateway: LoadResult[] }): void {
  const summary = (runs: LoadResult[]) => ({
    per_second_median: round(median(runs.map((r) => r.perSecond))),
    per_second_min: round(Math.min(...runs.map((r) => r.perSecond))),
    per_second_max: round(Math.max(...runs.map((r) => r.perSecond))),
    p50_ms_median: round(median(runs.map((r) => r.p50Ms)), 2),
    p99_ms_median: round(median(runs.map((r) => r.p99Ms)), 2),
    failed_requests: runs.reduce((sum, r) => sum + (r.requests - r.ok), 0),
  });
  const baseline = summary(results.baseline);
  const gateway = summary(results.gateway);
  const ratio = round(gateway.per_second_median / baseline.per_second_median, 2);
  const output = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
    settings: { runs: RUNS, messages_per_run: TOTAL, concurrency: CONCURRENCY },
    accept: { baseline, gateway, ratio_to_baseline: ratio },
  };
  const rows = [
    ["", "msgs/s median (min–max)", "p50 ms", "p99 ms", "failed"],
    ...(
      [
        ["baseline (node:http + 1 INSERT)", baseline],
        ["gateway (loopback accept)", gateway],
      ] as const
    ).map(([name, s]) => [
      name,
      `${s.per_second_median} (${s.per_second_min}–${s.per_second_max})`,
      String(s.p50_ms_median),
      String(s.p99_ms_median),
      String(s.failed_requests),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  process.stdout.write(
    `\naccept benchmark — ${output.machine}, ${RUNS} runs × ${TOTAL} messages, ${CONCURRENCY} in flight\n`,
  );
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}\n`);
  process.stdout.write(`gateway / baseline: ${ratio}\n`);
  const dir = join(packageRoot(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(output, null, 2)}\n`);
}

function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

async function fakePlatform(): Promise<Server> {
  let id = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ message_id: String(++id) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

async function freePort(): Promise<number> {
  const server = netServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(url: string, method: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url, { method, body: method === "POST" ? "{}" : undefined });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${url} did not come up`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

await main();
