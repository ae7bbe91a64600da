import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { currentSession, sentTexts, startTelegramWorld, type TelegramWorld } from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };

/** The inline buttons of the bot's last message with a keyboard. */
function lastButtons(world: TelegramWorld): { text: string; callback_data: string }[] {
  const markup = world.telegram
    .callsOf("sendMessage")
    .map((params) => params.reply_markup as Keyboard | undefined)
    .filter((keyboard) => keyboard !== undefined)
    .at(-1);
  return markup?.inline_keyboard.flat() ?? [];
}

async function say(world: TelegramWorld, text: string): Promise<void> {
  const { telegram } = world;
  const before = sentTexts(telegram, telegram.user.id).length;
  telegram.privateText(text);
  await waitUntil(() => sentTexts(telegram, telegram.user.id).length > before);
}

describe("Telegram inline buttons", () => {
  it("/sessions offers resume buttons; a tap answers the callback query and resumes that session", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const key = `telegram:${telegram.user.id}`;
    await say(world, "first topic");
    const first = await currentSession(world, key);
    await say(world, "/new");
    await say(world, "second topic");
    const second = await currentSession(world, key);
    expect(second.id).not.toBe(first.id);

    await say(world, "/sessions");
    expect(lastButtons(world)).toEqual([expect.objectContaining({ callback_data: `cmd:resume ${first.id}` })]);
    const withKeyboard = telegram.lastSent(telegram.user.id);
    const tap = telegram.callbackQuery(`cmd:resume ${first.id}`, { message: withKeyboard });
    await waitUntil(async () => (await currentSession(world as TelegramWorld, key)).id === first.id);
    const callbackId = tap.callback_query?.id;
    // The query is answered once the press is stored (a refusal would be its toast).
    await waitUntil(() => telegram.callsOf("answerCallbackQuery").length > 0);
    expect(telegram.callsOf("answerCallbackQuery")).toEqual([
      expect.objectContaining({ callback_query_id: callbackId }),
    ]);
    await waitUntil(() => sentTexts(telegram, telegram.user.id).some((text) => text.startsWith("Resumed")));

    await say(world, "back to the first");
    expect(userTexts(harness.fake.requests.at(-1))).toEqual(["first topic", "back to the first"]);
  });

  it("/expert offers a button per other Expert; a tap switches the session's Expert", async () => {
    world = await startTelegramWorld({ gateway: { experts: [{ name: "coder", description: "writes code" }] } });
    const { telegram } = world;
    const key = `telegram:${telegram.user.id}`;
    await say(world, "hello");
    expect((await currentSession(world, key)).expert).toBe("default");
    await say(world, "/expert");
    expect(lastButtons(world)).toEqual([{ text: "coder", callback_data: "cmd:expert coder" }]);
    telegram.callbackQuery("cmd:expert coder", { message: telegram.lastSent(telegram.user.id) });
    await waitUntil(async () => (await currentSession(world as TelegramWorld, key)).expert === "coder");
    await waitUntil(() => telegram.callsOf("answerCallbackQuery").length === 1);
    const switched = () => sentTexts(telegram, telegram.user.id).filter((text) => text.startsWith("Expert coder"));
    await waitUntil(() => switched().length === 1);

    // A button we never made is still answered, and runs nothing.
    const sends = sentTexts(telegram, telegram.user.id).length;
    telegram.callbackQuery("something else");
    await waitUntil(() => telegram.callsOf("answerCallbackQuery").length === 2);
    await say(world, "sentinel");
    expect(sentTexts(telegram, telegram.user.id).slice(sends)).toEqual(["echo: sentinel"]);
  });
});

describe("Telegram across a restart", () => {
  it("continues the same DM session after the gateway restarts", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const key = `telegram:${telegram.user.id}`;
    await say(world, "remember the word kiwi");
    const before = await currentSession(world, key);
    await harness.restart();
    await waitUntil(() => world?.adapter.status().state === "running");
    await say(world, "which word?");
    expect((await currentSession(world, key)).id).toBe(before.id);
    expect(userTexts(harness.fake.requests.at(-1))).toEqual(["remember the word kiwi", "which word?"]);
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: remember the word kiwi", "echo: which word?"]);
  });
});
