import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { telegramErrors } from "../fakes/fake-telegram.js";
import { userTexts } from "../gateway/gateway-harness.js";
import {
  currentSession,
  sentTexts,
  shownTexts,
  startTelegramWorld,
  storedTexts,
  type TelegramWorld,
  waitShown,
} from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const lastUser = (world: TelegramWorld, index: number) => userTexts(world.harness.fake.requests[index]).at(-1);

describe("Telegram groups", () => {
  it("answers mentions (any case), replies to the bot and /cmd@ourbot; ignores plain text and /cmd@OtherBot", async () => {
    world = await startTelegramWorld();
    const { telegram } = world;
    const group = telegram.groupId;
    telegram.groupText("just chatting among ourselves");
    telegram.groupText("/help@OtherBot");
    telegram.groupText("hey @GATEWAY_Bot what is up");
    await waitUntil(() => world?.harness.fake.requests.length === 1);
    expect(lastUser(world, 0)).toContain("hey what is up");
    expect(lastUser(world, 0)).not.toContain("@");
    await waitUntil(() => shownTexts(telegram, group).some((text) => text.startsWith("echo:")));

    telegram.groupText("and one more thing", { replyTo: telegram.lastSent(group) });
    await waitUntil(() => world?.harness.fake.requests.length === 2);
    expect(lastUser(world, 1)).toContain("and one more thing");
    await waitShown(telegram, group, "echo: and one more thing");

    const help = () => sentTexts(telegram, group).filter((text) => text.includes("/sessions"));
    telegram.groupText("/help@gateway_bot");
    await waitUntil(() => help().length === 1);

    telegram.groupText("still just chatting");
    telegram.groupText("last @gateway_bot");
    await waitUntil(() => world?.harness.fake.requests.length === 3);
    expect(lastUser(world, 2)).toContain("last");
    const prompts = world.harness.fake.requests.flatMap((body) => userTexts(body)).join("\n");
    expect(prompts).not.toMatch(/just chatting|OtherBot/);
    expect(await storedTexts(world, `telegram:${group}`)).toEqual([
      expect.stringContaining("hey what is up"),
      expect.stringContaining("and one more thing"),
      expect.stringContaining("last"),
    ]);
  });

  it("names the sender, quotes the message replied to, and takes no edit as a new prompt", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const bob = { id: 5_000_000_002, is_bot: false, first_name: "Bob", last_name: "Stone" };
    const claim = telegram.groupText("the sky is green", { from: bob });
    const question = telegram.groupText("@gateway_bot is that true?", { replyTo: claim.message });
    await waitUntil(() => harness.fake.requests.length === 1);
    expect(lastUser(world, 0)).toBe("> the sky is green\n\nis that true?");
    await waitUntil(async () => (await harness.store.outbox.list()).some((row) => row.state === "delivered"));

    telegram.edited(question.message, "@gateway_bot is that really true?");
    telegram.groupText("@gateway_bot thanks", { from: bob });
    await waitUntil(() => harness.fake.requests.length === 2);
    // Once two people talk, each turn carries its sender's name.
    expect(userTexts(harness.fake.requests[1])).toEqual([
      "Ada: > the sky is green\n\nis that true?",
      "Bob Stone: thanks",
    ]);
  });

  it("gives each forum topic its own session and replies in it; the General topic sends without a thread id", async () => {
    world = await startTelegramWorld();
    const { telegram } = world;
    const group = telegram.groupId;
    const bob = { id: 5_000_000_002, is_bot: false, first_name: "Bob" };
    telegram.topicText("@gateway_bot [a] in topic 42", 42);
    telegram.topicText("@gateway_bot [b] in topic 43", 43, { from: bob });
    telegram.generalTopicText("@gateway_bot [c] in general");
    await waitUntil(() => world?.harness.fake.requests.length === 3);
    await waitUntil(() => shownTexts(telegram, group).filter((t) => t.startsWith("echo:")).length === 3);

    const a = await currentSession(world, `telegram:${group}:topic:42`);
    const b = await currentSession(world, `telegram:${group}:topic:43`);
    const general = await currentSession(world, `telegram:${group}`);
    expect(new Set([a.id, b.id, general.id]).size).toBe(3);
    expect(shownTexts(telegram, group, 42)).toEqual([expect.stringContaining("[a] in topic 42")]);
    expect(shownTexts(telegram, group, 43)).toEqual([expect.stringContaining("[b] in topic 43")]);

    const sends = telegram.callsOf("sendMessage");
    const threadOf = (tag: string) =>
      sends.filter((p) => String(p.text).includes(tag)).map((p) => p.message_thread_id ?? "none");
    expect(new Set(threadOf("[a]"))).toEqual(new Set([42]));
    expect(new Set(threadOf("[b]"))).toEqual(new Set([43]));
    expect(new Set(threadOf("[c]"))).toEqual(new Set(["none"]));
    const typingThreads = new Set(telegram.callsOf("sendChatAction").map((p) => p.message_thread_id ?? "none"));
    expect(typingThreads).toEqual(new Set([42, 43, "none"]));
    expect(telegram.callsOf("sendChatAction").every((p) => p.action === "typing")).toBe(true);
  });

  it("keeps the session when a group becomes a supergroup (migrate_to_chat_id service message)", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const [oldId, newId] = [-555_123, -100_555_123];
    telegram.groupText("@gateway_bot [m] before the upgrade", { chatId: oldId });
    await waitShown(telegram, oldId, "echo: [m] before the upgrade");
    const before = await currentSession(world, `telegram:${oldId}`);
    telegram.enqueue({
      message: {
        message_id: 9_001,
        date: Math.floor(Date.now() / 1000),
        chat: { id: oldId, type: "group", title: "Fake group" },
        from: telegram.user,
        migrate_to_chat_id: newId,
      },
    });
    telegram.groupText("@gateway_bot [m] after the upgrade", { chatId: newId });
    await waitShown(telegram, newId, "echo: [m] after the upgrade");
    expect((await currentSession(world, `telegram:${newId}`)).id).toBe(before.id);
    expect(await harness.store.sessions.current(`telegram:${oldId}`)).toBeUndefined();
    expect(userTexts(harness.fake.requests[1])).toEqual([
      expect.stringContaining("before the upgrade"),
      expect.stringContaining("after the upgrade"),
    ]);
  });

  it("resends once to the new id when a send fails with migrate_to_chat_id, and the new chat continues the session", async () => {
    world = await startTelegramWorld();
    const { telegram } = world;
    const [oldId, newId] = [-444_001, -100_444_001];
    telegram.failNext("sendMessage", telegramErrors.migrated(newId));
    telegram.groupText("@gateway_bot [n] first", { chatId: oldId });
    await waitShown(telegram, newId, "echo: [n] first");
    expect(sentTexts(telegram, oldId)).toHaveLength(1);
    expect(shownTexts(telegram, oldId)).toEqual([]);
    const session = await currentSession(world, `telegram:${newId}`);
    expect(await world.harness.store.sessions.current(`telegram:${oldId}`)).toBeUndefined();

    telegram.groupText("@gateway_bot [n] second", { chatId: newId });
    await waitShown(telegram, newId, "echo: [n] second");
    expect((await currentSession(world, `telegram:${newId}`)).id).toBe(session.id);
    expect(sentTexts(telegram, oldId)).toHaveLength(1);
    expect(userTexts(world.harness.fake.requests[1])).toHaveLength(2);
  });
});
