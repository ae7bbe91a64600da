import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { postWebhookUpdate, telegramErrors } from "../fakes/fake-telegram.js";
import { Gate, userTexts } from "../gateway/gateway-harness.js";
import { currentSession, sentTexts, startTelegramWorld, storedTexts, type TelegramWorld } from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Telegram long polling", () => {
  it("moves the offset only past a committed update: a refused one is fetched again and answered once", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    harness.store.db.pragma("query_only = ON");
    const since = Date.now();
    const update = telegram.privateText("keep me");
    const polls = () => telegram.calls.filter((call) => call.method === "getUpdates" && call.at >= since);
    // Fetched, refused by the store, fetched again: the offset never confirms it meanwhile.
    await waitUntil(() => polls().length >= 3);
    expect(polls().every((call) => Number(call.params.offset ?? 0) <= update.update_id)).toBe(true);
    expect(telegram.pending.map((u) => u.update_id)).toContain(update.update_id);
    expect(sentTexts(telegram, telegram.user.id)).toEqual([]);

    harness.store.db.pragma("query_only = OFF");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length > 0);
    await waitUntil(() => telegram.offsets.some((offset) => offset > update.update_id));
    const sentinel = telegram.privateText("sentinel");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length > 1);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: keep me", "echo: sentinel"]);
    expect(telegram.offsets.at(-1)).toBeGreaterThan(sentinel.update_id);
    expect(harness.fake.requests).toHaveLength(2);
    expect(await storedTexts(world, `telegram:${telegram.user.id}`)).toEqual(["keep me", "sentinel"]);
  });

  it("answers an update redelivered after a restart (same update_id) only once", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const update = telegram.privateText("one");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 1);
    // The confirming offset never reached Telegram: after a restart it sends the update again.
    telegram.pending.push(update);
    await harness.restart();
    await waitUntil(() => world?.adapter.status().state === "running");
    await waitUntil(() => telegram.offsets.at(-1) === update.update_id + 1 && telegram.pending.length === 0);
    telegram.privateText("two");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 2);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: one", "echo: two"]);
    expect(await storedTexts(world, `telegram:${telegram.user.id}`)).toEqual(["one", "two"]);
  });

  it("answers the same chat_id:message_id under a new update_id (ids restart) only once", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const update = telegram.privateText("once only");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 1);
    const again = telegram.enqueue({ message: update.message });
    expect(again.update_id).not.toBe(update.update_id);
    await waitUntil(() => telegram.offsets.some((offset) => offset > again.update_id));
    telegram.privateText("after");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 2);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: once only", "echo: after"]);
    expect(await storedTexts(world, `telegram:${telegram.user.id}`)).toEqual(["once only", "after"]);
    expect(userTexts(harness.fake.requests.at(-1))).toEqual(["once only", "after"]);
  });

  it("deletes a webhook left from webhook mode, keeping the updates waiting, and answers them", async () => {
    world = await startTelegramWorld({
      prepare: (telegram) => {
        telegram.webhook = { url: "https://old.example.com/telegram/webhook" };
        telegram.privateText("sent while we were away");
      },
    });
    const { telegram } = world;
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 1);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: sent while we were away"]);
    expect(telegram.callsOf("deleteWebhook")).toHaveLength(1);
    expect(telegram.callsOf("deleteWebhook")[0]?.drop_pending_updates).toBeUndefined();
    expect(telegram.webhook).toBeUndefined();
  });

  it("rides out 5xx answers and dropped connections while polling, backing off", async () => {
    world = await startTelegramWorld({
      prepare: (telegram) =>
        telegram.failNext("getUpdates", telegramErrors.serverError(), 2).failNext("getUpdates", "disconnect"),
    });
    const { telegram, adapter } = world;
    telegram.privateText("still there?");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 1);
    expect(adapter.status()).toEqual({ state: "running" });
    const polls = telegram.calls.filter((call) => call.method === "getUpdates").slice(0, 4);
    const waits = polls.slice(1).map((call, i) => call.at - (polls[i]?.at ?? 0));
    expect(waits.every((ms) => ms >= 15)).toBe(true);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: still there?"]);
  });

  it("stops with a clear error on 409 Conflict, without polling again", async () => {
    world = await startTelegramWorld({
      prepare: (telegram) => telegram.failNext("getUpdates", telegramErrors.conflict(), Number.POSITIVE_INFINITY),
    });
    const { telegram, adapter } = world;
    await waitUntil(() => adapter.status().state === "failed");
    expect(adapter.status().detail).toMatch(/409 Conflict: another poller or a webhook/);
    expect(await world.harness.gateway.health()).toMatchObject({
      ok: false,
      channels: { telegram: { state: "failed" } },
    });
    await sleep(500);
    expect(telegram.callsOf("getUpdates")).toHaveLength(1);
  });

  it("stops with a clear error when the token is refused (401), at start or while polling", async () => {
    world = await startTelegramWorld({ adapter: { token: "999:refused" } });
    await waitUntil(() => world?.adapter.status().state === "failed");
    expect(world.adapter.status().detail).toMatch(/401 Unauthorized: TELEGRAM_BOT_TOKEN was refused/);
    await sleep(300);
    expect(world.telegram.calls.map((call) => call.method)).toEqual(["getMe"]);
    await world.close();

    world = await startTelegramWorld({
      prepare: (telegram) => telegram.failNext("getUpdates", telegramErrors.unauthorized(), Number.POSITIVE_INFINITY),
    });
    await waitUntil(() => world?.adapter.status().state === "failed");
    expect(world.adapter.status().detail).toMatch(/401 Unauthorized/);
    await sleep(300);
    expect(world.telegram.callsOf("getUpdates")).toHaveLength(1);
  });
});

describe("Telegram webhook", () => {
  const webhookUrl = "https://bot.example.com/telegram/webhook";
  const secret = "s3cret_token-42";

  it("registers the secret, answers 401 without it, 200 once committed, and one answer per message", async () => {
    world = await startTelegramWorld({ adapter: { webhookUrl, webhookSecret: secret } });
    const { telegram, harness, adapter } = world;
    expect(adapter.status()).toEqual({ state: "running" });
    expect(telegram.callsOf("setWebhook")).toEqual([
      expect.objectContaining({ url: webhookUrl, secret_token: secret }),
    ]);
    const url = `http://127.0.0.1:${harness.port}/telegram/webhook`;
    const key = `telegram:${telegram.user.id}`;
    const update = telegram.privateText("via webhook");

    expect((await postWebhookUpdate(url, update)).status).toBe(401);
    expect((await postWebhookUpdate(url, update, "wrong")).status).toBe(401);
    expect(await harness.store.sessions.current(key)).toBeUndefined();

    harness.store.db.pragma("query_only = ON");
    expect((await postWebhookUpdate(url, update, secret)).status).toBe(503);
    harness.store.db.pragma("query_only = OFF");

    // 200 comes once the update is stored, while the model is still held: never after the turn.
    const gate = new Gate();
    gate.close();
    harness.fake.beforeReply = () => gate.wait();
    expect((await postWebhookUpdate(url, update, secret)).status).toBe(200);
    const session = await currentSession(world, key);
    expect(await harness.inboundStates(session.id)).toEqual([
      { text: "via webhook", state: expect.stringMatching(/queued|running/) },
    ]);
    expect(sentTexts(telegram, telegram.user.id)).toEqual([]);

    // Telegram resends (same update_id), and an update id restart (same message, new update_id).
    expect((await postWebhookUpdate(url, update, secret)).status).toBe(200);
    const renumbered = { ...update, update_id: update.update_id + 1000 };
    expect((await postWebhookUpdate(url, renumbered, secret)).status).toBe(200);
    gate.open();
    expect((await postWebhookUpdate(url, telegram.privateText("sentinel"), secret)).status).toBe(200);
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 2);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: via webhook", "echo: sentinel"]);
    expect(harness.fake.requests.map((body) => body.messages.at(-1)?.content)).toEqual(["via webhook", "sentinel"]);
    expect(await storedTexts(world, key)).toEqual(["via webhook", "sentinel"]);
    expect(telegram.callsOf("getUpdates")).toHaveLength(0);
    expect(telegram.callsOf("deleteWebhook")).toHaveLength(0);
  });

  it("derives a valid secret from the token when none is configured, and checks it", async () => {
    world = await startTelegramWorld({ adapter: { webhookUrl } });
    const { telegram, harness } = world;
    const derived = String(telegram.callsOf("setWebhook")[0]?.secret_token);
    expect(derived).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(derived).not.toContain(telegram.token.split(":")[1]);
    const url = `http://127.0.0.1:${harness.port}/telegram/webhook`;
    expect((await postWebhookUpdate(url, telegram.privateText("no secret"))).status).toBe(401);
    expect((await postWebhookUpdate(url, telegram.privateText("derived"), derived)).status).toBe(200);
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 1);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: derived"]);
  });

  it("answers 400 to a body that is not an update", async () => {
    world = await startTelegramWorld({ adapter: { webhookUrl, webhookSecret: secret } });
    const url = `http://127.0.0.1:${world.harness.port}/telegram/webhook`;
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(response.status).toBe(400);
    expect(world.adapter.status().state).toBe("running");
  });
});
