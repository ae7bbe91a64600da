import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import type { FakeReply } from "../fakes/fake-openai.js";
import { type TelegramCall, telegramErrors } from "../fakes/fake-telegram.js";
import { sentTexts, shownTexts, startTelegramWorld, type TelegramWorld, waitShown } from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** An answer streamed in `count` words, one every `everyMs`. */
function slow(prefix: string, count: number, everyMs: number): FakeReply & { kind: "text" } {
  const pieces = Array.from({ length: count }, (_, i) => `${i === 0 ? prefix : ""} w${i}`);
  return { kind: "text", text: pieces.join(""), pieces, delayMs: everyMs };
}

const callsTo = (world: TelegramWorld, chatId: number, method: string): TelegramCall[] =>
  world.telegram.calls.filter((call) => call.method === method && Number(call.params.chat_id) === chatId);

function gaps(calls: TelegramCall[]): number[] {
  return calls.slice(1).map((call, i) => call.at - (calls[i]?.at ?? 0));
}

describe("Telegram streaming", () => {
  it("streams a DM with sendMessageDraft (one non-zero draft_id), then sends the answer as one message", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const reply = slow("Drafted:", 14, 100);
    harness.fake.reply(reply);
    telegram.privateText("stream it");
    await waitShown(telegram, telegram.user.id, reply.text);
    const drafts = callsTo(world, telegram.user.id, "sendMessageDraft");
    expect(drafts.length).toBeGreaterThanOrEqual(2);
    const ids = new Set(drafts.map((call) => Number(call.params.draft_id)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).not.toBe(0);
    const texts = drafts.map((call) => String(call.params.text));
    expect(texts[0]?.startsWith("Drafted:")).toBe(true);
    expect(texts.every((text, i) => i === 0 || text.length > (texts[i - 1]?.length ?? 0))).toBe(true);
    for (const gap of gaps(drafts)) expect(gap).toBeGreaterThanOrEqual(550);
    const sends = callsTo(world, telegram.user.id, "sendMessage");
    expect(sends.map((call) => call.params.text)).toEqual([reply.text]);
    expect(sends[0]?.at).toBeGreaterThanOrEqual(drafts.at(-1)?.at ?? 0);
    expect(telegram.callsOf("editMessageText")).toHaveLength(0);
  });

  it("stops drafting when /stop ends the turn, and keeps what was drafted as a message marked stopped", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const chat = telegram.user.id;
    const reply = slow("Long:", 40, 100);
    harness.fake.reply(reply);
    telegram.privateText("go long");
    await waitUntil(() => callsTo(world as TelegramWorld, chat, "sendMessageDraft").length >= 2);
    telegram.privateText("/stop");
    await waitUntil(() => sentTexts(telegram, chat).some((text) => text.endsWith("(stopped)")));
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(telegram.calls.filter((call) => call.at > stoppedAt && call.method !== "getUpdates")).toEqual([]);
    // Drafts vanish when the turn ends, so the part the user watched comes back as a real message.
    const [stopping, kept, ...rest] = sentTexts(telegram, chat);
    expect(stopping).toMatch(/^Stopping/);
    expect(kept).toMatch(/^Long:[\s\S]*\n\n\(stopped\)$/);
    expect(rest).toEqual([]);
    expect(reply.text.startsWith((kept ?? "").replace(/\n\n\(stopped\)$/, ""))).toBe(true);
    expect(kept).not.toBe(`${reply.text}\n\n(stopped)`);
  });

  it("remembers that drafts are refused and streams the next turns by editing one message about once a second", async () => {
    world = await startTelegramWorld({ adapter: { pace: {} } });
    const { telegram, harness } = world;
    const chat = telegram.user.id;
    telegram.drafts = telegramErrors.methodNotFound();
    const first = slow("First:", 6, 100);
    harness.fake.reply(first);
    telegram.privateText("one");
    await waitShown(telegram, chat, first.text);
    expect(callsTo(world, chat, "sendMessageDraft")).toHaveLength(1);
    expect(sentTexts(telegram, chat)).toEqual([first.text]);

    // Long enough for two edits after the preview, which waits out the pace of the first answer (one message a second).
    const second = slow("Second:", 30, 100);
    harness.fake.reply(second);
    telegram.privateText("two");
    await waitShown(telegram, chat, second.text);
    expect(callsTo(world, chat, "sendMessageDraft")).toHaveLength(1);
    const previewSend = callsTo(world, chat, "sendMessage").slice(1);
    expect(previewSend.map((call) => String(call.params.text))).toEqual([expect.stringMatching(/^Second: w0.* …$/)]);
    const edits = callsTo(world, chat, "editMessageText");
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(new Set(edits.map((call) => call.params.message_id))).toEqual(
      new Set([telegram.lastSent(chat)?.message_id]),
    );
    for (const gap of gaps([...previewSend, ...edits])) expect(gap).toBeGreaterThanOrEqual(700);
    expect(shownTexts(telegram, chat)).toEqual([first.text, second.text]);

    // The final edit answered "message is not modified": that is success, not a reason to send again.
    // Each piece comes after the chat's pace (one call a second, shared by previews and answers) has passed.
    const third = { kind: "text" as const, text: "Third answer", pieces: ["Third", " answer"], delayMs: 1200 };
    harness.fake.reply(third);
    const sendsBefore = callsTo(world, chat, "sendMessage").length;
    const editsBefore = callsTo(world, chat, "editMessageText").length;
    telegram.privateText("three");
    await waitUntil(() => shownTexts(telegram, chat).length === 3);
    telegram.failNext("editMessageText", telegramErrors.badRequest("message is not modified: same content"));
    await waitUntil(async () => (await harness.store.outbox.list()).length === 3);
    await waitUntil(async () => (await harness.store.outbox.list()).every((row) => row.state === "delivered"));
    expect((await harness.store.outbox.list()).at(-1)).toMatchObject({ text: "Third answer", attempts: 1 });
    expect(callsTo(world, chat, "sendMessage")).toHaveLength(sendsBefore + 1);
    expect(callsTo(world, chat, "editMessageText")).toHaveLength(editsBefore + 1);
    expect(callsTo(world, chat, "sendMessageDraft")).toHaveLength(1);
    // The programmed answer was consumed by the final edit: the fake still shows the preview.
    expect(shownTexts(telegram, chat).at(-1)).toBe("Third …");
  });

  it("does not give up drafts for every chat when one user's chat refuses them (403)", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const other = { id: 5_000_000_003, is_bot: false, first_name: "Cy" };
    telegram.failNext("sendMessageDraft", telegramErrors.blocked());
    harness.fake.reply(slow("Gone:", 6, 100));
    telegram.privateText("I am leaving");
    const user = telegram.user.id;
    await waitUntil(() => sentTexts(telegram, user).length === 1);
    expect(callsTo(world, telegram.user.id, "sendMessageDraft")).toHaveLength(1);
    const reply = slow("Still:", 6, 100);
    harness.fake.reply(reply);
    telegram.privateText("hello", { from: other });
    await waitShown(telegram, other.id, reply.text);
    expect(callsTo(world, other.id, "sendMessageDraft").length).toBeGreaterThanOrEqual(1);
    expect(callsTo(world, other.id, "editMessageText")).toHaveLength(0);
  });

  it("streams in groups by editing one message, at the slower group pace", async () => {
    world = await startTelegramWorld({ adapter: { pace: {} } });
    const { telegram, harness } = world;
    const group = telegram.groupId;
    const reply = slow("Group:", 8, 100);
    harness.fake.reply(reply);
    const question = telegram.groupText("@gateway_bot stream here").message;
    await waitShown(telegram, group, reply.text);
    expect(telegram.callsOf("sendMessageDraft")).toHaveLength(0);
    const sends = callsTo(world, group, "sendMessage");
    const edits = callsTo(world, group, "editMessageText");
    expect(sends).toHaveLength(1);
    expect(String(sends[0]?.params.text)).toMatch(/ …$/);
    // In a group the answer is a reply, so everyone sees whose question it answers.
    expect(sends[0]?.params.reply_parameters).toMatchObject({ message_id: question.message_id });
    expect(edits.length).toBeGreaterThanOrEqual(1);
    for (const gap of gaps([...sends, ...edits])) expect(gap).toBeGreaterThanOrEqual(2500);
  });
});
