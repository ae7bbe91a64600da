// npm run bench: the real gateway (a child process) against fake Telegram, Slack and model servers
// (another process, world.ts), with a bare node:http + SQLite baseline (a third) in the same run.
// See bench/README.md for what each figure means.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { reportBigInputs, runBigInputs } from "./big-inputs.js";
import { sdkShare } from "./cpu-profile.js";
import { freePort, GatewayProcess, stopAllGateways } from "./gateway-process.js";
import { streamedText } from "./model-replies.js";
import type { OverheadResult, StreamingResult, TurnsResult } from "./phases.js";
import { postgresRuns } from "./postgres-runs.js";
import { seedSessions } from "./seed.js";
import { settings } from "./settings.js";
import { type Raw, summarize } from "./summary.js";
import { WorldClient } from "./world-client.js";

/** Conversations 1e9 + i are the seeded ones (see seed.ts): the memory runs talk to some of them. */
const SEEDED_FIRST_ID = 1_000_000_000;
const QUEUE_CAP = 20;

let nextId = 1;
const take = (count: number) => {
  const first = nextId;
  nextId += count;
  return first;
};

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "gateway-bench-"));
  const { world, urls } = await WorldClient.start();
  const baselinePort = await freePort();
  const baseline = spawn(
    process.execPath,
    [join(packageRoot(), "dist/bench/baseline-server.js"), join(dir, "baseline.db"), String(baselinePort)],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const raw: Raw = {
    telegram: [],
    slack: [],
    baseline: [],
    paced: [],
    turns: [],
    cpuPerTurn: [],
    overhead: [],
    streaming: [],
    ready: [],
    readySeeded: [],
    rss10: [],
    rssSeeded: [],
    peakRss: 0,
    errorLines: 0,
    sdk: undefined,
    postgres: [],
  };
  try {
    const gateway = await GatewayProcess.start({
      urls,
      db: join(dir, "gateway.db"),
      maxTurns: settings.streaming + 100,
    });
    raw.ready.push(await gateway.ready());
    const { port } = gateway;
    const ask = world.phase.bind(world);
    for (let run = 0; run < settings.runs; run++) {
      // No more messages per conversation than the queue's default cap (20), so none is dropped.
      const busy = (count: number) => ({ port, count, conversations: Math.ceil(count / QUEUE_CAP) });
      const accept = busy(settings.ingressMessages);
      const closed = { ...accept, load: { concurrency: settings.concurrency } };
      raw.telegram.push(await ask({ phase: "accept", platform: "telegram", ...closed, first: take(accept.count * 2) }));
      raw.slack.push(await ask({ phase: "accept", platform: "slack", ...closed, first: take(accept.count * 2) }));
      const baselineRun = { port: baselinePort, count: accept.count, concurrency: settings.concurrency };
      raw.baseline.push(await ask({ phase: "baseline", ...baselineRun, first: take(accept.count) }));
      const paced = { ...busy(settings.pacedMessages), load: { perSecond: settings.pacedPerSecond } };
      raw.paced.push(await ask({ phase: "accept", platform: "telegram", ...paced, first: take(paced.count * 2) }));
      const cpuBefore = gateway.cpuMs();
      const turns = await ask<TurnsResult>({
        phase: "turns",
        port,
        count: settings.turns,
        concurrency: 64,
        first: take(settings.turns),
      });
      raw.cpuPerTurn.push((gateway.cpuMs() - cpuBefore) / Math.max(1, turns.turns));
      raw.turns.push(turns);
      const overhead = { port, count: settings.overheadTurns, slots: settings.overheadSlots };
      raw.overhead.push(await ask<OverheadResult>({ phase: "overhead", ...overhead, first: take(overhead.count) }));
      await world.model("stream");
      const streaming = { port, count: settings.streaming, concurrency: 64, expected: streamedText };
      raw.streaming.push(
        await ask<StreamingResult>({ phase: "streaming", ...streaming, first: take(streaming.count) }),
      );
      await world.model("instant");
      process.stdout.write(
        `run ${run + 1}/${settings.runs} done (${Math.round((performance.now() - started) / 1000)} s)\n`,
      );
    }
    raw.peakRss = gateway.memoryMb().peak;
    raw.errorLines = gateway.errorLines;
    await gateway.stop();
    raw.postgres = await postgresRuns(urls, world, take, QUEUE_CAP);
    raw.errorLines += raw.postgres.reduce((sum, runs) => sum + runs.errorLines, 0);
    raw.sdk = await profileTurns(dir, urls, world);
    await memoryRuns(dir, urls, world, raw);
  } finally {
    await stopAllGateways();
    baseline.kill("SIGTERM");
    await exited(baseline);
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  summarize(raw, settings, (performance.now() - started) / 1000);
  // Its own gateway and fakes, after the others: a few seconds, and nothing else competes for the CPU.
  reportBigInputs(await runBigInputs());
}

/** One more gateway, under `--cpu-prof`, for the share of the turns phase spent in the openai SDK. */
async function profileTurns(dir: string, urls: GatewayUrls, world: WorldClient) {
  const profiles = join(dir, "profile");
  mkdirSync(profiles);
  const nodeArgs = ["--cpu-prof", `--cpu-prof-dir=${profiles}`];
  const gateway = await GatewayProcess.start({ urls, db: join(dir, "profiled.db"), maxTurns: 64, nodeArgs });
  await gateway.ready();
  // The first turns load the tokenizer's encoding (~0.3 s, once per process): not a turn's cost.
  const warmUp = 50;
  await world.phase({ phase: "turns", port: gateway.port, count: warmUp, concurrency: 16, first: take(warmUp) });
  const turns = await world.phase<TurnsResult>({
    phase: "turns",
    port: gateway.port,
    count: settings.turns,
    concurrency: 64,
    first: take(settings.turns),
  });
  await gateway.stop();
  return sdkShare(profiles, turns.window);
}

/** Start → ready, then RSS after the same small workload, on a database of 10 sessions and of 100,000. */
async function memoryRuns(dir: string, urls: GatewayUrls, world: WorldClient, raw: Raw): Promise<void> {
  const small = join(dir, "sessions-10.db");
  const large = join(dir, "sessions-many.db");
  await seedSessions(small, 10);
  await seedSessions(large, settings.storedSessions);
  for (let run = 0; run < settings.runs; run++) {
    for (const [seed, ready, rss] of [
      [small, raw.ready, raw.rss10],
      [large, raw.readySeeded, raw.rssSeeded],
    ] as const) {
      const db = join(dir, `run-${run}.db`);
      copyFileSync(seed, db);
      const gateway = await GatewayProcess.start({ urls, db, maxTurns: 64 });
      ready.push(await gateway.ready());
      await world.phase({
        phase: "turns",
        port: gateway.port,
        count: settings.memoryTurns,
        concurrency: 16,
        first: SEEDED_FIRST_ID,
      });
      rss.push(gateway.memoryMb().rss);
      await gateway.stop();
      rmSync(db, { force: true });
      rmSync(`${db}-wal`, { force: true });
      rmSync(`${db}-shm`, { force: true });
    }
  }
}

type GatewayUrls = Awaited<ReturnType<typeof WorldClient.start>>["urls"];

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

await main();
