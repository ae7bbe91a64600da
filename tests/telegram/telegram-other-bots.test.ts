import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { sentTexts, startTelegramWorld, storedTexts, type TelegramWorld, waitShown } from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("other bots on Telegram", () => {
  it("ignores every message from a sender with is_bot, however it addresses us; a person is answered", async () => {
    world = await startTelegramWorld();
    const { telegram } = world;
    const group = telegram.groupId;
    const robot = { id: 6_000_000_001, is_bot: true, first_name: "Robo", username: "robo_bot" };
    telegram.groupText("first a person @gateway_bot");
    await waitShown(telegram, group, "echo: first a person");
    telegram.groupText("hey @gateway_bot answer me", { from: robot });
    telegram.groupText("/help@gateway_bot", { from: robot });
    telegram.groupText("a reply to you", { from: robot, replyTo: telegram.lastSent(group) });
    telegram.groupText("then a person again @gateway_bot");
    await waitShown(telegram, group, "echo: then a person again");
    await waitUntil(() => world?.harness.fake.requests.length === 2);
    const prompts = world.harness.fake.requests.flatMap((body) => userTexts(body)).join("\n");
    expect(prompts).not.toMatch(/answer me|a reply to you|help/);
    expect(await storedTexts(world, `telegram:${group}`)).toEqual([
      expect.stringContaining("first a person"),
      expect.stringContaining("then a person again"),
    ]);
    // No /help went out for the bot's command: the group got the two answers only.
    expect(sentTexts(telegram, group)).toHaveLength(2);
  });
});
