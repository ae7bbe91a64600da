/**
 * The fake Telegram Bot API, driven by the real grammY client (grammy 1.46.0, @grammyjs/types 5.0.0).
 *
 * Finding on sendMessageDraft: this grammY version types and implements it —
 * `bot.api.sendMessageDraft(chat_id, draft_id, text, other?, signal?)`
 * (node_modules/grammy/out/core/api.d.ts:494, api.js:552 → `this.raw.sendMessageDraft({ chat_id, draft_id, text, ...other })`),
 * and `ctx.replyWithDraft(text)` (context.js:1222, which uses the update_id as draft_id).
 * For a method grammY does not type, `bot.api.raw` is a Proxy that turns any property into
 * `callApi(method, payload)` (core/client.js:117-135), so an untyped call is
 * `(bot.api.raw as unknown as Record<string, (payload: object) => Promise<unknown>>)["someMethod"]({ ... })`;
 * it goes through installed transformers and fails with GrammyError like any typed call.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Bot, GrammyError, HttpError, InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeTelegram, postWebhookUpdate, telegramErrors } from "./fake-telegram.js";

type UntypedRaw = Record<string, (payload: object) => Promise<unknown>>;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("FakeTelegram with grammY", () => {
  let fake: FakeTelegram;
  let bot: Bot;

  beforeEach(async () => {
    fake = await new FakeTelegram({ maxPollMs: 300 }).start();
    bot = new Bot(fake.token, { client: { apiRoot: fake.url } });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("answers getMe, and bot.init() fetches it", async () => {
    const me = await bot.api.getMe();
    expect(me).toMatchObject({ id: 7_000_000_001, is_bot: true, username: "gateway_bot" });
    await bot.init();
    expect(bot.botInfo.username).toBe("gateway_bot");
    expect(fake.callsOf("getMe")).toHaveLength(2);
  });

  it("sends messages with parse_mode, reply_parameters and message_thread_id", async () => {
    const incoming = fake.topicText("hello", 42).message;
    expect(incoming).toMatchObject({ chat: { id: -1001234567890, is_forum: true }, is_topic_message: true });
    const sent = await bot.api.sendMessage(incoming.chat.id, "<b>hi</b>", {
      parse_mode: "HTML",
      message_thread_id: 42,
      reply_parameters: { message_id: incoming.message_id, allow_sending_without_reply: true },
    });
    expect(sent).toMatchObject({ chat: { id: -1001234567890 }, message_thread_id: 42, text: "<b>hi</b>" });
    expect(sent.reply_to_message?.message_id).toBe(incoming.message_id);
    expect(fake.calls.at(-1)).toMatchObject({
      method: "sendMessage",
      params: { chat_id: -1001234567890, parse_mode: "HTML", message_thread_id: 42, reply_parameters: {} },
    });
    // Replying to an unknown message fails unless allow_sending_without_reply is set.
    const missing = await rejection(bot.api.sendMessage(1, "x", { reply_parameters: { message_id: 999_999 } }));
    expect(missing).toBeInstanceOf(GrammyError);
    expect((missing as GrammyError).description).toContain("message to be replied not found");
  });

  it("answers an unchanged editMessageText with 400 'message is not modified'", async () => {
    const sent = await bot.api.sendMessage(fake.user.id, "draft");
    await bot.api.editMessageText(fake.user.id, sent.message_id, "final");
    const error = await rejection(bot.api.editMessageText(fake.user.id, sent.message_id, "final"));
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({ error_code: 400, method: "editMessageText" });
    expect((error as GrammyError).description).toContain("message is not modified");
    expect(fake.messages.get(`${fake.user.id}:${sent.message_id}`)?.text).toBe("final");
  });

  it("plays programmed failures: 429 with retry_after, 403, migrate_to_chat_id, disconnect", async () => {
    fake.failNext("sendMessage", telegramErrors.retryAfter(7));
    fake.failNext("sendMessage", telegramErrors.blocked());
    fake.failNext("sendMessage", telegramErrors.migrated(-1009876543210));
    fake.failNext("sendMessage", "disconnect");
    const limited = await rejection(bot.api.sendMessage(1, "a"));
    expect(limited).toBeInstanceOf(GrammyError);
    expect(limited).toMatchObject({ error_code: 429, parameters: { retry_after: 7 } });
    expect(await rejection(bot.api.sendMessage(1, "b"))).toMatchObject({
      error_code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    expect(await rejection(bot.api.sendMessage(-123, "c"))).toMatchObject({
      parameters: { migrate_to_chat_id: -1009876543210 },
    });
    expect(await rejection(bot.api.sendMessage(1, "d"))).toBeInstanceOf(HttpError);
    await expect(bot.api.sendMessage(1, "e")).resolves.toMatchObject({ text: "e" });
    expect(fake.callsOf("sendMessage")).toHaveLength(5);
  });

  it("long-polls getUpdates, records offsets and forgets confirmed updates", async () => {
    const first = fake.privateText("one");
    const second = fake.groupText(`/ask@gateway_bot hi @Gateway_Bot`);
    expect(second.message.entities).toEqual([
      { type: "bot_command", offset: 0, length: 16 },
      { type: "mention", offset: 20, length: 12 },
    ]);
    const batch = await bot.api.getUpdates({ offset: 0, timeout: 1 });
    expect(batch.map((u) => u.update_id)).toEqual([first.update_id, second.update_id]);
    const again = await bot.api.getUpdates({ offset: second.update_id, timeout: 1 });
    expect(again.map((u) => u.update_id)).toEqual([second.update_id]);
    // An empty poll is held (capped by maxPollMs) and answered as soon as an update arrives.
    const waiting = bot.api.getUpdates({ offset: second.update_id + 1, timeout: 30 });
    setTimeout(() => fake.callbackQuery("yes"), 50);
    const late = await waiting;
    expect(late[0]?.callback_query?.data).toBe("yes");
    expect(fake.offsets).toEqual([0, second.update_id, second.update_id + 1]);
    expect(fake.pending).toHaveLength(1);
  });

  it("answers getUpdates with 409 and 401 when told to", async () => {
    fake.failNext("getUpdates", telegramErrors.conflict()).failNext("getUpdates", telegramErrors.unauthorized());
    expect(await rejection(bot.api.getUpdates({ offset: 5, timeout: 1 }))).toMatchObject({ error_code: 409 });
    const unauthorized = await rejection(bot.api.getUpdates({ offset: 5, timeout: 1 }));
    expect(unauthorized).toBeInstanceOf(GrammyError);
    expect(unauthorized).toMatchObject({ error_code: 401, method: "getUpdates" });
    await bot.api.setWebhook("https://example.test/hook", { secret_token: "s3cret" });
    expect(await rejection(bot.api.getUpdates())).toMatchObject({ error_code: 409 });
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url: "https://example.test/hook" });
    await bot.api.deleteWebhook();
    await expect(bot.api.getUpdates({ timeout: 0 })).resolves.toEqual([]);
    expect(fake.offsets).toEqual([5, 5, 0, 0]);
  });

  it("supports sendMessageDraft (typed in this grammY) or refuses it with 404", async () => {
    expect(typeof bot.api.sendMessageDraft).toBe("function");
    await expect(bot.api.sendMessageDraft(fake.user.id, 1, "thinking")).resolves.toBe(true);
    await expect((bot.api.raw as unknown as UntypedRaw).sendMessageDraft?.({ chat_id: 1, draft_id: 2 })).resolves.toBe(
      true,
    );
    fake.drafts = telegramErrors.methodNotFound();
    expect(await rejection(bot.api.sendMessageDraft(fake.user.id, 1, "more"))).toMatchObject({ error_code: 404 });
    expect(fake.callsOf("sendMessageDraft")).toEqual([
      { chat_id: fake.user.id, draft_id: 1, text: "thinking" },
      { chat_id: 1, draft_id: 2 },
      { chat_id: fake.user.id, draft_id: 1, text: "more" },
    ]);
  });

  it("serves files via getFile and records multipart uploads", async () => {
    const doc = fake.document({ bytes: Buffer.from("report body"), fileName: "report.txt" }).message.document;
    const file = await bot.api.getFile(doc?.file_id ?? "");
    const download = await fetch(`${fake.url}/file/bot${fake.token}/${file.file_path}`);
    expect(await download.text()).toBe("report body");
    const huge = fake.document({ fileSize: 25 * 1024 * 1024 }).message.document;
    expect(await rejection(bot.api.getFile(huge?.file_id ?? ""))).toMatchObject({ error_code: 400 });
    const album = fake.album(["photo", "photo"], { caption: "two" });
    expect(album.map((u) => u.message.media_group_id)).toEqual([
      album[0]?.message.media_group_id,
      album[0]?.message.media_group_id,
    ]);
    const sent = await bot.api.sendDocument(fake.user.id, new InputFile(Buffer.from("abc"), "a.txt"), { caption: "c" });
    expect(sent.document?.file_id).toBeTruthy();
    expect(fake.callsOf("sendDocument")[0]).toMatchObject({
      chat_id: String(fake.user.id),
      caption: "c",
      document: { filename: "a.txt", size: 3 },
    });
  });

  it("builds General-topic, edited, photo and failure updates like Telegram", async () => {
    const general = fake.generalTopicText("in general").message;
    expect(general.chat).toMatchObject({ type: "supergroup", is_forum: true });
    expect(general.is_topic_message).toBeUndefined();
    expect(general.message_thread_id).toBeUndefined();
    expect(fake.edited(general, "changed").edited_message).toMatchObject({
      text: "changed",
      edit_date: expect.any(Number),
    });
    const photo = fake.photo({ caption: "look" }).message;
    const largest = photo.photo?.at(-1);
    expect(await bot.api.getFile(largest?.file_id ?? "")).toMatchObject({ file_size: largest?.file_size });
    fake
      .failNext("sendMessage", telegramErrors.cantParseEntities())
      .failNext("sendMessage", telegramErrors.serverError());
    expect(await rejection(bot.api.sendMessage(1, "<b>", { parse_mode: "HTML" }))).toMatchObject({ error_code: 400 });
    expect(await rejection(bot.api.sendMessage(1, "x"))).toMatchObject({ error_code: 500 });
    expect(await rejection(bot.api.sendMessage(1, "y".repeat(4097)))).toMatchObject({ error_code: 400 });
  });

  it("stores commands, runs middleware via handleUpdate, posts webhook updates", async () => {
    await bot.api.setMyCommands([{ command: "new", description: "New session" }]);
    expect(await bot.api.getMyCommands()).toEqual([{ command: "new", description: "New session" }]);
    await bot.init();
    const seen: string[] = [];
    bot.command("ask", (ctx) => {
      seen.push(ctx.match);
    });
    await bot.handleUpdate(fake.groupText("/ask@gateway_bot what now"));
    await bot.handleUpdate(fake.groupText("/ask@OtherBot ignored"));
    expect(seen).toEqual(["what now"]);
    const hook = createServer((req, res) => {
      res.writeHead(req.headers["x-telegram-bot-api-secret-token"] === "s3cret" ? 200 : 401).end();
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram`;
    const update = fake.myChatMember("kicked");
    expect(update.my_chat_member?.new_chat_member.status).toBe("kicked");
    expect((await postWebhookUpdate(url, update, "s3cret")).status).toBe(200);
    expect((await postWebhookUpdate(url, update, "wrong")).status).toBe(401);
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });
});
