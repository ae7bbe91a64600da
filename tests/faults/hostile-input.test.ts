import type { User } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { type ChildGateway, waitFor } from "../crash/child-gateway.js";
import { echoOf, turnTexts } from "../crash/crash-world.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { eventCallback, messageEvent, postSigned } from "../slack/slack-world.js";
import { Random, seeds } from "./fault-seeds.js";
import { controlText, hugeMarkdown, telegramHtmlProblem } from "./hostile-input.js";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

type Attempt = { name: string; expected: number; send: (life: ChildGateway) => Promise<number> };

const post = async (url: string, body: string, headers: Record<string, string> = {}) =>
  (await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body })).status;

/** A body sent in chunks without a Content-Length, so only counting stops it. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let left = bytes;
  return new ReadableStream({
    pull(controller) {
      const size = Math.min(left, 64 * 1024);
      controller.enqueue(new Uint8Array(size).fill(0x61));
      left -= size;
      if (left <= 0) controller.close();
    },
  });
}

/** Requests a hostile or broken client would send, each with the status it must get. */
function attempts(): Attempt[] {
  const big = JSON.stringify({ conversation: "X", sender: "x", text: "a".repeat(1_200_000) });
  const secret = { "x-telegram-bot-api-secret-token": WEBHOOK_SECRET };
  const loop = (life: ChildGateway) => `${life.url}/loopback/messages`;
  const hook = (life: ChildGateway) => `${life.url}/telegram/webhook`;
  const event = JSON.stringify(eventCallback(messageEvent({ channel: "C9", text: "hi", ts: "1700009000.000100" })));
  const now = Math.floor(Date.now() / 1000);
  const loopback = (fields: Record<string, unknown>) =>
    JSON.stringify({ conversation: "X", sender: "x", text: "hello", ...fields });
  return [
    { name: "loopback: 1.2 MB body", expected: 413, send: (l) => post(loop(l), big) },
    {
      name: "loopback: 3 MB chunked body without a length",
      expected: 413,
      send: async (l) =>
        (
          await fetch(loop(l), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: chunked(3_000_000),
            duplex: "half",
          } as RequestInit)
        ).status,
    },
    { name: "telegram: 1.2 MB body", expected: 413, send: (l) => post(hook(l), big, secret) },
    { name: "slack: 1.2 MB body", expected: 413, send: async (l) => (await postSigned(l.port, big)).status },
    { name: "loopback: malformed JSON", expected: 400, send: (l) => post(loop(l), '{"conversation": "X",') },
    { name: "telegram: malformed JSON", expected: 400, send: (l) => post(hook(l), "{update_id: 1", secret) },
    { name: "telegram: not an update", expected: 400, send: (l) => post(hook(l), "[1, 2, 3]", secret) },
    { name: "slack: malformed body", expected: 400, send: async (l) => (await postSigned(l.port, "{]")).status },
    {
      name: "slack: wrong signature",
      expected: 401,
      send: async (l) => (await postSigned(l.port, event, { signature: `v0=${"0".repeat(64)}` })).status,
    },
    {
      name: "slack: timestamp 10 minutes old",
      expected: 401,
      send: async (l) => (await postSigned(l.port, event, { timestamp: now - 600 })).status,
    },
    {
      name: "slack: no signature",
      expected: 401,
      send: async (l) => (await postSigned(l.port, event, { signature: null })).status,
    },
    {
      name: "telegram: wrong secret",
      expected: 401,
      send: (l) => post(hook(l), "{}", { "x-telegram-bot-api-secret-token": "guess" }),
    },
    { name: "telegram: no secret", expected: 401, send: (l) => post(hook(l), "{}") },
    {
      name: "loopback: 10,000-character name",
      expected: 400,
      send: (l) => post(loop(l), loopback({ name: "N".repeat(10_000) })),
    },
    {
      name: "loopback: 10,000-character sender",
      expected: 400,
      send: (l) => post(loop(l), loopback({ sender: "S".repeat(10_000) })),
    },
    {
      name: "loopback: 100,001-character text",
      expected: 400,
      send: (l) => post(loop(l), loopback({ text: "t".repeat(100_001) })),
    },
    {
      name: "loopback: no conversation",
      expected: 400,
      send: (l) => post(loop(l), JSON.stringify({ sender: "x", text: "y" })),
    },
    { name: "an unknown path", expected: 404, send: (l) => post(`${l.url}/../../etc/passwd`, "{}") },
    { name: "GET on a POST route", expected: 405, send: async (l) => (await fetch(loop(l))).status },
  ];
}

describe.each(seeds)("seed %i: hostile input", (seed) => {
  it("broken, oversized and forged requests get clear 4xx answers; the process stays up and healthy", async () => {
    const random = new Random(seed + 11_000);
    world = await PlatformWorld.create();
    const life = await world.start();
    const results: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const attempt of random.shuffle(attempts())) {
      expected[attempt.name] = attempt.expected;
      results[attempt.name] = await attempt.send(life).catch(() => -1);
    }
    expect(results, life.output).toEqual(expected);
    expect(life.hasExited).toBe(false);
    const health = await fetch(`${life.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    expect(life.output).not.toContain("http handler crashed");
    expect(life.output).not.toContain("route failed");
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
  });

  it("control characters, 10,000-character names and huge Markdown answers are delivered whole and well formed", async () => {
    const random = new Random(seed + 12_000);
    world = await PlatformWorld.create();
    const { tag } = world.base;
    const end = `END-${tag}`;
    const markdown = hugeMarkdown(random, random.int(7_000, 11_000), end);
    world.base.model.fallback = (body) => {
      const texts = turnTexts(body);
      return { kind: "text", text: texts.some((text) => text.includes("markdown please")) ? markdown : echoOf(texts) };
    };
    const { telegram, slack } = world;
    slack.users.set("ULONG", "L".repeat(10_000));
    const life = await world.start();
    await waitFor(() => telegram.webhook !== undefined, "setWebhook");
    const longName: User = { id: 5_000_000_300, is_bot: false, first_name: "N".repeat(10_000), last_name: "\u202e" };
    const marker = (where: string) => `mark-${tag}-${where}`;
    const hook = `${life.url}/telegram/webhook`;
    const sends = random.shuffle([
      async () => (await life.post({ conversation: "X", sender: "x", text: controlText(marker("L")) })).kind,
      async () =>
        (
          await postWebhookUpdate(
            hook,
            telegram.privateText(controlText(marker("T")), { from: longName }),
            WEBHOOK_SECRET,
          )
        ).status,
      async () =>
        (
          await postWebhookUpdate(
            hook,
            telegram.privateText("markdown please", { chatId: 5_000_000_001 }),
            WEBHOOK_SECRET,
          )
        ).status,
      async () =>
        (
          await postSigned(
            life.port,
            JSON.stringify(
              eventCallback(
                messageEvent({
                  channel: "C1",
                  user: "ULONG",
                  text: controlText(marker("S")),
                  ts: "1700009100.000100",
                  mention: true,
                }),
              ),
            ),
          )
        ).status,
      async () =>
        (
          await postSigned(
            life.port,
            JSON.stringify(
              eventCallback(
                messageEvent({ channel: "C2", text: "markdown please", ts: "1700009200.000100", mention: true }),
              ),
            ),
          )
        ).status,
    ]);
    for (const send of sends) expect([200, "accepted"], life.output).toContain(await send());

    const telegramTexts = () =>
      [...telegram.messages.values()].filter((m) => m.from?.id === telegram.bot.id).map((m) => m.text ?? "");
    const slackTexts = () =>
      slack
        .botMessages()
        .filter((m) => !m.streaming)
        .map((m) => m.text);
    const loopbackTexts = () => world?.base.platform.live("X").map(({ text }) => text) ?? [];
    await waitFor(
      () =>
        loopbackTexts().some((text) => text.includes(marker("L"))) &&
        telegramTexts().some((text) => text.includes(marker("T"))) &&
        telegramTexts().some((text) => text.includes(end)) &&
        slackTexts().some((text) => text.includes(marker("S"))) &&
        slackTexts().some((text) => text.includes(end)),
      () => `every answer\n${JSON.stringify({ t: telegramTexts(), s: slackTexts() }).slice(0, 3000)}\n${world?.logs()}`,
    );
    expect(life.hasExited).toBe(false);
    expect((await fetch(`${life.url}/healthz`)).status).toBe(200);
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(life.output).not.toContain("delivery failed for good");
    // What Telegram got as HTML is well formed (or it would have refused it), and each part fits.
    const html = telegram.calls.filter(
      (call) => ["sendMessage", "editMessageText"].includes(call.method) && call.params.parse_mode === "HTML",
    );
    expect(html.length).toBeGreaterThan(0);
    for (const call of html) {
      const text = String(call.params.text);
      expect(telegramHtmlProblem(text), text.slice(0, 500)).toBeUndefined();
    }
    expect(telegramTexts().filter((text) => text.includes(end))).toHaveLength(1);
    expect(slackTexts().filter((text) => text.includes(end))).toHaveLength(1);
    // Every Slack message stays within 4,000 characters: a streamed answer longer than that is posted in parts.
    for (const text of slackTexts()) expect(text.length).toBeLessThanOrEqual(4000);
  });
});
