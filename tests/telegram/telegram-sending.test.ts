import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { telegramErrors } from "../fakes/fake-telegram.js";
import { Gate } from "../gateway/gateway-harness.js";
import { sentTexts, shownTexts, startTelegramWorld, type TelegramWorld, waitShown } from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "a", "code", "pre"]);
TAGS.add("blockquote");

/** Checks Telegram HTML as the Bot API would: known tags, properly nested, `<>&` escaped; returns its visible text. */
function visibleText(html: string): string {
  const stack: string[] = [];
  for (const [, close, name] of html.matchAll(/<(\/?)([a-z-]+)(?:\s[^>]*)?>/g)) {
    if (!name || !TAGS.has(name)) throw new Error(`unknown tag <${name}> in ${html.slice(0, 200)}`);
    if (!close) stack.push(name);
    else if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong tag in ${html.slice(0, 200)}`);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join(">, <")}>`);
  const text = html.replace(/<[^>]*>/g, "");
  if (/[<>]/.test(text)) throw new Error(`unescaped < or > in ${text.slice(0, 200)}`);
  if (/&(?!(lt|gt|amp|quot|#\d+);)/.test(text)) throw new Error(`unescaped & in ${text.slice(0, 200)}`);
  return text.replace(/&(lt|gt|amp|quot|#\d+);/g, "_");
}

describe("Telegram replies", () => {
  it("sets the command menu only when it changed (two starts → one setMyCommands)", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    await waitUntil(() => telegram.callsOf("getMyCommands").length === 1);
    expect(telegram.callsOf("setMyCommands")).toHaveLength(1);
    const menu = [...telegram.commands.values()][0]?.map((command) => command.command) ?? [];
    expect(menu).toEqual(expect.arrayContaining(["new", "sessions", "expert", "stop"]));
    await harness.restart();
    await waitUntil(() => telegram.callsOf("getMyCommands").length === 2);
    await waitUntil(() => world?.adapter.status().state === "running");
    expect(telegram.callsOf("setMyCommands")).toHaveLength(1);
    // Someone changed the menu (BotFather): the next start puts ours back.
    telegram.commands.clear();
    await harness.restart();
    await waitUntil(() => telegram.callsOf("setMyCommands").length === 2);
  });

  it.each([
    ["a private chat (drafts, then messages)", "private"],
    ["a group (an edited preview, then messages)", "group"],
  ])(
    "splits a long answer in %s into valid HTML messages of at most 4096 characters, losing nothing",
    async (_, where) => {
      world = await startTelegramWorld();
      const { telegram, harness } = world;
      const chat = where === "private" ? telegram.user.id : telegram.groupId;
      const paragraphs = Array.from(
        { length: 40 },
        (_, i) => `Paragraph ${i} has **bold** & _italic_ <words> ${"z".repeat(150)}.`,
      );
      const code = Array.from({ length: 120 }, (_, i) => `const line${i} = "<tag> & ${"y".repeat(20)}";`).join("\n");
      const text = [...paragraphs.slice(0, 20), `\`\`\`ts\n${code}\n\`\`\``, ...paragraphs.slice(20)].join("\n\n");
      expect(text.length).toBeGreaterThan(3 * 4096);
      harness.fake.reply({ kind: "text", text, pieces: text.match(/[\s\S]{1,2000}/g) ?? [] });
      if (where === "private") telegram.privateText("write a lot");
      else telegram.groupText("@gateway_bot write a lot");
      await waitUntil(async () => (await harness.store.outbox.list()).some((row) => row.state === "delivered"));
      const calls = [...telegram.callsOf("sendMessage"), ...telegram.callsOf("editMessageText")];
      for (const params of calls) {
        expect(params.parse_mode).toBe("HTML");
        expect(visibleText(String(params.text)).length).toBeLessThanOrEqual(4096);
      }
      const shown = shownTexts(telegram, chat);
      expect(shown.length).toBeGreaterThanOrEqual(4);
      const all = shown.map(visibleText).join("\n");
      expect(all).not.toContain(" …");
      for (let i = 0; i < 40; i++) expect(all).toContain(`Paragraph ${i} has bold`);
      for (let i = 0; i < 120; i++) expect(all).toContain(`const line${i} = `);
      for (const draft of telegram.callsOf("sendMessageDraft")) {
        expect(visibleText(String(draft.text)).length).toBeLessThanOrEqual(4096);
      }
    },
  );

  it("renders hostile Markdown (unclosed fences, <script>, nested emphasis) as valid, escaped HTML", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const hostile = [
      "***bold italic*** and _a *b* c_ and **unclosed bold and ~~strike",
      "<script>alert('x')</script> <b>not a tag</b> & [link](javascript:alert(1))",
      "```js\nconsole.log('<script>');\n// the fence is never closed",
    ].join("\n\n");
    harness.fake.reply({ kind: "text", text: hostile });
    telegram.privateText("be nasty");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 1);
    const [sent] = telegram.callsOf("sendMessage");
    const html = String(sent?.text);
    expect(sent?.parse_mode).toBe("HTML");
    const visible = visibleText(html);
    expect(visible.length).toBeLessThanOrEqual(4096);
    expect(html).not.toMatch(/<script|<b>not/);
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain('href="javascript:');
    expect(visible).toContain("the fence is never closed");
  });

  it("resends the same text as plain text when Telegram cannot parse the entities", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    harness.fake.reply({ kind: "text", text: "**Bold** and `code` here" });
    telegram.failNext("sendMessage", telegramErrors.cantParseEntities());
    telegram.privateText("format please");
    await waitUntil(() => shownTexts(telegram, telegram.user.id).length === 1);
    const [html, plain] = telegram.callsOf("sendMessage");
    expect(html).toMatchObject({ parse_mode: "HTML", text: "<b>Bold</b> and <code>code</code> here" });
    expect(plain?.parse_mode).toBeUndefined();
    expect(plain?.text).toBe("Bold and code here");
    expect(telegram.callsOf("sendMessage")).toHaveLength(2);
    expect(shownTexts(telegram, telegram.user.id)).toEqual(["Bold and code here"]);
  });

  it("waits out a 429's retry_after, then sends the answer once", async () => {
    world = await startTelegramWorld({ adapter: { pace: {} } });
    const { telegram } = world;
    telegram.failNext("sendMessage", telegramErrors.retryAfter(1));
    telegram.privateText("slow down");
    await waitShown(telegram, telegram.user.id, "echo: slow down");
    const calls = telegram.calls.filter((call) => call.method === "sendMessage");
    expect(calls).toHaveLength(2);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(shownTexts(telegram, telegram.user.id)).toEqual(["echo: slow down"]);
  });

  it("does not retry a chat that blocked the bot (403) until the user writes again", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    telegram.failNext("sendMessage", telegramErrors.blocked());
    telegram.privateText("are you there");
    await waitUntil(async () => (await harness.store.outbox.list()).some((row) => row.state === "failed"));
    await sleep(300);
    expect(telegram.callsOf("sendMessage")).toHaveLength(1);
    expect(shownTexts(telegram, telegram.user.id)).toEqual([]);
    telegram.privateText("I unblocked you");
    await waitShown(telegram, telegram.user.id, "echo: I unblocked you");
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: are you there", "echo: I unblocked you"]);
  });

  it("sends nothing to a user who blocked the bot (my_chat_member kicked) until they write again", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const gate = new Gate();
    gate.close();
    harness.fake.beforeReply = () => gate.wait();
    // Streamed slowly enough that drafts would go out, were the chat not marked.
    harness.fake.reply({ kind: "text", text: "a slow answer for a user who left", delayMs: 60 });
    telegram.privateText("answer me later");
    await waitUntil(() => harness.fake.requests.length === 1);
    const kicked = telegram.myChatMember("kicked");
    await waitUntil(() => telegram.offsets.some((offset) => offset > kicked.update_id));
    const blockedAt = Date.now();
    gate.open();
    await waitUntil(async () => (await harness.store.outbox.list()).some((row) => row.state === "failed"));
    await sleep(200);
    const toUser = telegram.calls.filter(
      (call) => call.at >= blockedAt && Number(call.params.chat_id) === telegram.user.id,
    );
    expect(toUser.map((call) => call.method)).toEqual([]);

    harness.fake.beforeReply = undefined;
    telegram.myChatMember("member");
    telegram.privateText("hello again");
    await waitShown(telegram, telegram.user.id, "echo: hello again");
    expect(sentTexts(telegram, telegram.user.id)).toEqual(["echo: hello again"]);
  });
});
