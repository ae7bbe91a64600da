import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { sentTexts, startTelegramWorld, type TelegramWorld } from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("Telegram private chat", () => {
  it("answers a DM through long polling and moves the offset past it", async () => {
    world = await startTelegramWorld();
    const { telegram, adapter } = world;
    expect(adapter.status()).toEqual({ state: "running" });
    const update = telegram.privateText("hello there");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length > 0);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: hello there"]);
    await waitUntil(() => telegram.offsets.some((offset) => offset > update.update_id));
  });

  it("keeps showing typing… every ~4 s while a turn runs, in the topic it runs in", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    harness.fake.beforeReply = () => new Promise((resolve) => setTimeout(resolve, 4600));
    telegram.topicText("@gateway_bot think hard", 9);
    await waitUntil(() => sentTexts(telegram, telegram.groupId).length > 0);
    const typing = telegram.callsOf("sendChatAction");
    expect(typing.length).toBeGreaterThanOrEqual(2);
    expect(typing.every((params) => params.action === "typing" && Number(params.message_thread_id) === 9)).toBe(true);
    const at = telegram.calls.filter((call) => call.method === "sendChatAction").map((call) => call.at);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(3500);
  });
});
