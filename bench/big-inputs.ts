// The largest inputs each route takes, and what they do to everyone else: while one conversation sends
// a ~900 KB one-word Telegram message, 100,000 characters to loopback, or the largest text file the
// limits allow, another conversation asks something small. Reported: the event-loop delay of the
// gateway process (as /healthz latency, polled back to back), and whether the small question was
// answered before the big one's turn was done. Run alone with `node dist/bench/big-inputs.js`.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../src/paths.js";
import { FakeLoopbackPlatform } from "../tests/fakes/fake-loopback-platform.js";
import { FakeOpenAi, lastUserText } from "../tests/fakes/fake-openai.js";
import { FakeTelegram, postWebhookUpdate } from "../tests/fakes/fake-telegram.js";
import { freePort } from "./gateway-process.js";

const SECRET = "big-inputs-secret";
const SMALL_CHAT = 6_100_000_001;
const BIG_CHAT = 6_100_000_002;

export interface BigInputResult {
  scenario: string;
  /** /healthz latency while the big message was taken in and its turn ran (ms). */
  healthz: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** The small question in another conversation was answered before the big one's turn finished. */
  otherAnsweredFirst: boolean;
  bigTurnMs: number;
}

interface Scenario {
  name: string;
  /** Sends the big message (already wrapped with a marker the model sees). */
  send: (ctx: Context, marker: string) => Promise<void>;
  /** The big conversation's answer has arrived. */
  answered: (ctx: Context, marker: string) => boolean;
}

interface Context {
  url: string;
  telegram: FakeTelegram;
  loopback: FakeLoopbackPlatform;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`big-inputs: timed out waiting for ${what}`);
    await sleep(20);
  }
}

const sentTo = (telegram: FakeTelegram, chat: number, marker: string) =>
  telegram.callsOf("sendMessage").some((p) => Number(p.chat_id) === chat && String(p.text).includes(marker));

const scenarios: Scenario[] = [
  {
    name: "Telegram: 900 KB one-word message",
    send: async ({ url, telegram }, marker) => {
      const update = telegram.privateText(`${marker} ${"a".repeat(900_000)}`, { chatId: BIG_CHAT });
      await until(
        async () => (await postWebhookUpdate(`${url}/telegram/webhook`, update, SECRET)).status === 200,
        "the webhook",
      );
    },
    answered: ({ telegram }, marker) => sentTo(telegram, BIG_CHAT, marker),
  },
  {
    name: "loopback: 100,000-character word",
    send: async ({ url }, marker) => {
      const body = JSON.stringify({ conversation: "big", sender: "u", text: `${marker} `.padEnd(100_000, "b") });
      const response = await fetch(`${url}/loopback/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (response.status !== 200) throw new Error(`loopback answered ${response.status}`);
    },
    answered: ({ loopback }, marker) => loopback.live("big").some(({ text }) => text.includes(marker)),
  },
  {
    name: "Telegram: 4 MB one-word text file",
    send: async ({ url, telegram }, marker) => {
      const update = telegram.document({
        bytes: Buffer.alloc(4 * 1024 * 1024 - 1, 0x63),
        fileName: "big.txt",
        chatId: BIG_CHAT,
        caption: marker,
      });
      await until(
        async () => (await postWebhookUpdate(`${url}/telegram/webhook`, update, SECRET)).status === 200,
        "the webhook",
      );
    },
    answered: ({ telegram }, marker) => sentTo(telegram, BIG_CHAT, marker),
  },
];

/** Polls /healthz back to back and keeps each answer's latency, until stopped. */
function probe(url: string): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${url}/healthz`)
        .then((response) => response.arrayBuffer())
        .catch(() => undefined);
      latencies.push(performance.now() - started);
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

export async function runBigInputs(): Promise<BigInputResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "gateway-big-"));
  const telegram = await new FakeTelegram({ token: "123456789:BIG-token" }).start();
  const loopback = await new FakeLoopbackPlatform().start();
  const model = await new FakeOpenAi().start();
  let smallAnswered = false;
  // The big turn's model call waits until the small question is answered (at most 20 s), so "answered
  // first" means the small one was not stuck behind the big one's intake, counting or rendering.
  const markerOf = (body: Parameters<typeof lastUserText>[0]) =>
    /(?:big|small)-\d+/.exec(lastUserText(body))?.[0] ?? "";
  model.beforeReply = async (body) => {
    if (!markerOf(body).startsWith("big-")) return;
    const deadline = Date.now() + 20_000;
    while (!smallAnswered && Date.now() < deadline) await sleep(10);
  };
  model.fallback = (body) => ({ kind: "text", text: `ok ${markerOf(body) || "warm"}` });
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(packageRoot(), "dist/src/cli.js"), "start"], {
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "error",
      GATEWAY_DB: join(dir, "big.db"),
      GATEWAY_ALLOW: "*",
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: "bench",
      GATEWAY_MODEL: "fake-model",
      GATEWAY_LOOPBACK_URL: loopback.url,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const ctx: Context = { url, telegram, loopback };
  const results: BigInputResult[] = [];
  try {
    await until(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200, "/healthz");
    await until(() => telegram.webhook !== undefined, "setWebhook");
    // The first turn loads the tokenizer's encoding (~0.3 s, once per process): not an input's cost.
    const warm = telegram.privateText("warm-up", { chatId: SMALL_CHAT });
    await until(
      async () => (await postWebhookUpdate(`${url}/telegram/webhook`, warm, SECRET)).status === 200,
      "the warm-up",
    );
    await until(() => sentTo(telegram, SMALL_CHAT, "ok"), "the warm-up answer");
    await sleep(1500);
    for (const [index, scenario] of scenarios.entries()) {
      smallAnswered = false;
      const marker = `big-${index}`;
      const small = `small-${index}`;
      const prober = probe(url);
      const started = performance.now();
      await scenario.send(ctx, marker);
      const update = telegram.privateText(small, { chatId: SMALL_CHAT });
      await until(
        async () => (await postWebhookUpdate(`${url}/telegram/webhook`, update, SECRET)).status === 200,
        "the small message",
      );
      let bigDone = false;
      let otherFirst = false;
      await until(() => {
        if (!smallAnswered && sentTo(telegram, SMALL_CHAT, small)) {
          smallAnswered = true;
          otherFirst = !bigDone;
        }
        bigDone ||= scenario.answered(ctx, marker);
        return smallAnswered && bigDone;
      }, scenario.name);
      const bigTurnMs = performance.now() - started;
      const sorted = (await prober.stop()).sort((a, b) => a - b);
      results.push({
        scenario: scenario.name,
        healthz: {
          samples: sorted.length,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          maxMs: sorted.at(-1) ?? Number.NaN,
        },
        otherAnsweredFirst: otherFirst,
        bigTurnMs,
      });
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
    await telegram.stop();
    await loopback.stop();
    await model.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Prints the results as a table and writes them next to the other results. */
export function reportBigInputs(results: BigInputResult[]): void {
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log("\nLargest inputs (event-loop delay of the gateway, measured as /healthz latency):");
  for (const r of results) {
    console.log(
      `  ${r.scenario.padEnd(38)} healthz p50 ${f(r.healthz.p50Ms)}, p99 ${f(r.healthz.p99Ms)}, max ${f(r.healthz.maxMs)} ` +
        `(${r.healthz.samples} samples); other conversation answered first: ${r.otherAnsweredFirst ? "yes" : "NO"}; big turn ${f(r.bigTurnMs)}`,
    );
  }
  writeFileSync(join(packageRoot(), "bench/results/big-inputs.json"), `${JSON.stringify(results, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  reportBigInputs(await runBigInputs());
}
