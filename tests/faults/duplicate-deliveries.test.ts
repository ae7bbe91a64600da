import type { Update, User } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { eventCallback, messageEvent, postSigned } from "../slack/slack-world.js";
import { Random, seeds } from "./fault-seeds.js";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Runs `jobs` a few at a time (the seed picks how many), each batch concurrently. */
async function storm<T>(random: Random, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let index = 0; index < jobs.length; ) {
    const batch = jobs.slice(index, index + random.int(1, 4));
    index += batch.length;
    results.push(...(await Promise.all(batch.map((job) => job()))));
  }
  return results;
}

/** How many of `texts` each of the bot's final messages contains, by text. */
function answerCounts(shown: string[], texts: string[]): Record<string, number> {
  return Object.fromEntries(texts.map((text) => [text, shown.filter((s) => s.includes(text)).length]));
}

describe.each(seeds)("seed %i: duplicate deliveries", (seed) => {
  it("a Slack retry storm (each event 4×, message + app_mention pairs) gets one answer per message", async () => {
    const random = new Random(seed);
    world = await PlatformWorld.create({ firstDelayMs: random.int(0, 200) });
    const life = await world.start();
    const threads = Array.from({ length: random.int(2, 4) }, (_, index) => ({
      ts: `17000${seed}${index}.000100`,
      text: `storm-${seed}-${index}-${world?.base.tag}`,
    }));
    const deliveries = threads.flatMap(({ ts, text }) =>
      (["message", "app_mention"] as const).flatMap((type) => {
        const body = JSON.stringify(
          eventCallback(messageEvent({ channel: "C1", text, ts, mention: true, type }), `Ev-${type}-${ts}`),
        );
        return [0, 1, 2, 3].map((retry) => () => {
          const headers: Record<string, string> =
            retry === 0 ? {} : { "x-slack-retry-num": String(retry), "x-slack-retry-reason": "http_timeout" };
          return postSigned(life.port, body, { headers });
        });
      }),
    );
    const responses = await storm(random, random.shuffle(deliveries));
    expect(
      responses.filter((response) => response.status !== 200),
      world.logs(),
    ).toEqual([]);
    const slack = world.slack;
    const finals = () => slack.botMessages("C1").filter((message) => !message.streaming);
    await waitFor(
      () => threads.every(({ text }) => finals().some((message) => message.text.includes(text))),
      () => `answers in every thread: ${JSON.stringify(slack.botMessages("C1"))}\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    const counts = answerCounts(
      finals().map((message) => message.text),
      threads.map(({ text }) => text),
    );
    for (const { ts, text } of threads) {
      expect(counts[text], `seed ${seed}: ${JSON.stringify(counts)}`).toBe(1);
      expect(finals().find((message) => message.text.includes(text))?.thread_ts).toBe(ts);
    }
  });

  it("Telegram webhook resends and renumbered update_ids get one answer per message", async () => {
    const random = new Random(seed + 1000);
    world = await PlatformWorld.create({ firstDelayMs: random.int(0, 200) });
    const life = await world.start();
    const telegram = world.telegram;
    await waitFor(() => telegram.webhook !== undefined, "setWebhook");
    const people: User[] = Array.from({ length: random.int(2, 4) }, (_, index) => ({
      id: 5_000_000_100 + index,
      is_bot: false,
      first_name: `Person ${index}`,
    }));
    const updates = people.flatMap((from, index) =>
      Array.from({ length: random.int(1, 2) }, (_, n) =>
        telegram.privateText(`dup-${seed}-${index}-${n}-${world?.base.tag}`, { from }),
      ),
    );
    const url = `${life.url}/telegram/webhook`;
    const deliveries = updates.flatMap((update) => {
      const resends = Array.from({ length: random.int(2, 4) }, () => update as Update);
      // The same message under another update_id (as after Telegram lost its confirmation).
      const renumbered = { ...update, update_id: update.update_id + 500_000 } as Update;
      return [...resends, renumbered].map((sent) => () => postWebhookUpdate(url, sent, WEBHOOK_SECRET));
    });
    const responses = await storm(random, random.shuffle(deliveries));
    expect(
      responses.filter((response) => response.status !== 200),
      world.logs(),
    ).toEqual([]);
    const texts = updates.map((update) => update.message.text ?? "");
    const shown = () =>
      [...telegram.messages.values()].filter((m) => m.from?.id === telegram.bot.id).map((m) => m.text ?? "");
    await waitFor(
      () => texts.every((text) => shown().some((s) => s.startsWith("echo: ") && s.includes(text))),
      () => `answers in every chat: ${JSON.stringify(shown())}\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    const counts = answerCounts(shown(), texts);
    for (const text of texts) expect(counts[text], `seed ${seed}: ${JSON.stringify(counts)}`).toBe(1);
  });
});
