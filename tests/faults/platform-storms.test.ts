import type { User } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { answersOf } from "../crash/crash-world.js";
import { postWebhookUpdate, telegramErrors } from "../fakes/fake-telegram.js";
import { Random, seeds } from "./fault-seeds.js";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe.each(seeds)("seed %i: the platform refuses replies", (seed) => {
  it("Telegram: a 429 storm and a 5xx burst; every answer arrives once and retry_after is waited out", async () => {
    const random = new Random(seed + 2000);
    world = await PlatformWorld.create({ firstDelayMs: random.int(0, 100) });
    const { telegram } = world;
    const retryAfter = 1;
    const limited = random.int(2, 4);
    const broken = random.int(1, 2);
    telegram.failNext("sendMessage", telegramErrors.retryAfter(retryAfter), limited);
    telegram.failNext("sendMessage", telegramErrors.serverError(), broken);
    const life = await world.start();
    await waitFor(() => telegram.webhook !== undefined, "setWebhook");
    const people: User[] = Array.from({ length: random.int(2, 3) }, (_, index) => ({
      id: 5_000_000_200 + index,
      is_bot: false,
      first_name: `Person ${index}`,
    }));
    const updates = people.map((from, index) =>
      telegram.privateText(`storm-${seed}-${index}-${world?.base.tag}`, { from }),
    );
    for (const update of random.shuffle(updates)) {
      const response = await postWebhookUpdate(`${life.url}/telegram/webhook`, update, WEBHOOK_SECRET);
      expect(response.status, response.body).toBe(200);
    }
    const texts = updates.map((update) => update.message.text ?? "");
    const shown = () =>
      [...telegram.messages.values()].filter((m) => m.from?.id === telegram.bot.id).map((m) => m.text ?? "");
    await waitFor(
      () => texts.every((text) => shown().some((s) => s.includes(text))),
      () => `answers: ${JSON.stringify(shown())}\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    for (const text of texts)
      expect(
        shown().filter((s) => s.includes(text)),
        `seed ${seed}`,
      ).toHaveLength(1);
    const sends = telegram.calls.filter((call) => call.method === "sendMessage");
    expect(sends.length).toBe(texts.length + limited + broken);
    // The first `limited` sendMessage calls were answered 429: nothing went to that chat before retry_after.
    for (const refused of sends.slice(0, limited)) {
      const next = sends.find((call) => call.at > refused.at && call.params.chat_id === refused.params.chat_id);
      expect(next, `a later send to ${refused.params.chat_id}`).toBeDefined();
      expect((next?.at ?? 0) - refused.at, `seed ${seed}: retry_after honoured`).toBeGreaterThanOrEqual(
        retryAfter * 1000 - 25,
      );
    }
    expect(life.output).toContain("rate limited; waiting as asked");
  });

  it("loopback: a 5xx burst and 429s on every kind of call; each message is answered exactly once", async () => {
    const random = new Random(seed + 3000);
    world = await PlatformWorld.create({ firstDelayMs: random.int(0, 150), pieceDelayMs: random.int(0, 30) });
    const { platform } = world.base;
    for (let index = random.int(1, 3); index > 0; index--) {
      platform.failNext(random.next() < 0.5 ? { status: 429, retryAfter: 1 } : { status: random.int(500, 504) });
    }
    const life = await world.start();
    const messages = random.shuffle([
      world.base.message("A", 1),
      world.base.message("B", 1),
      world.base.message("C", 1),
    ]);
    for (const message of messages) expect((await life.post(message)).kind).toBe("accepted");
    const answers = () => answersOf(platform, messages);
    await waitFor(
      () => [...answers().values()].every((found) => found.length >= 1),
      () => `answers: ${JSON.stringify(platform.calls)}\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    for (const [text, found] of answers()) expect(found, `seed ${seed}: ${text}`).toHaveLength(1);
  });
});
