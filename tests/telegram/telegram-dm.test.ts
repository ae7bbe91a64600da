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
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length > 0, 5000);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: hello there"]);
    await waitUntil(() => telegram.offsets.some((offset) => offset > update.update_id), 3000);
  });
});
