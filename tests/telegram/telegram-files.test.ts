import { afterEach, describe, expect, it } from "vitest";
import type { Attachment } from "../../src/gateway/channel.js";
import { waitUntil } from "../fakes/fake-channel.js";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import { currentSession, sentTexts, startTelegramWorld, storedTexts, type TelegramWorld } from "./telegram-world.js";

let world: TelegramWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const MB = 1024 * 1024;
const vision = { models: { "fake-model": { vision: true } } };

/** The content of the request's last user message, as parts. */
function lastUserParts(
  body: ChatRequestBody | undefined,
): { type: string; text?: string; image_url?: { url: string } }[] {
  const content = body?.messages.filter((message) => message.role === "user").at(-1)?.content;
  if (typeof content === "string") return [{ type: "text", text: content }];
  return (content ?? []) as { type: string; text?: string; image_url?: { url: string } }[];
}

const textOf = (body: ChatRequestBody | undefined) =>
  lastUserParts(body)
    .map((part) => part.text ?? "")
    .join("\n");

async function storedAttachments(world: TelegramWorld): Promise<Attachment[][]> {
  const session = await currentSession(world, `telegram:${world.telegram.user.id}`);
  const rows = await world.harness.store.queue.inboundOfSession(session.id);
  return rows.map((row) => (row.attachments ? (JSON.parse(row.attachments) as Attachment[]) : []));
}

describe("Telegram attachments", () => {
  it("gathers an album (one media_group_id) into one message with every file, answered once", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    telegram.album(["photo", "photo", "document"], { caption: "look at these" });
    await waitUntil(() => harness.fake.requests.length === 1);
    telegram.privateText("after the album");
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 2);
    expect(harness.fake.requests).toHaveLength(2);
    const prompt = textOf(harness.fake.requests[0]);
    expect(prompt).toContain("look at these");
    expect(prompt.match(/\[The user sent photo-\d+\.jpg/g)).toHaveLength(2);
    expect(prompt).toContain("File notes.txt:\n```\nfake file content");
    const stored = await storedAttachments(world);
    expect(stored.map((files) => files.map((file) => file.kind))).toEqual([["image", "image", "text"], []]);
    expect(sentTexts(telegram, telegram.user.id)[1]).toBe("echo: after the album");
  });

  it("gives a vision model photos and image documents as image parts, and inlines a text document", async () => {
    world = await startTelegramWorld({ gateway: vision });
    const { telegram, harness } = world;
    const bytes = Buffer.from("\x89PNG fake image bytes");
    telegram.photo({ bytes, caption: "what is this" });
    await waitUntil(() => harness.fake.requests.length === 1);
    const parts = lastUserParts(harness.fake.requests[0]);
    expect(parts).toContainEqual({ type: "text", text: "what is this" });
    expect(parts).toContainEqual({
      type: "image_url",
      image_url: { url: `data:image/jpeg;base64,${bytes.toString("base64")}` },
    });

    telegram.document({ fileName: "data.csv", mimeType: "text/csv", bytes: Buffer.from("a,b\n1,2\n"), caption: "sum" });
    await waitUntil(() => harness.fake.requests.length === 2);
    expect(textOf(harness.fake.requests[1])).toContain("File data.csv:\n```\na,b\n1,2\n");
    expect(lastUserParts(harness.fake.requests[1]).some((part) => part.type === "image_url")).toBe(false);

    const png = Buffer.from("\x89PNG chart");
    telegram.document({ fileName: "chart.png", mimeType: "image/png", bytes: png, caption: "and this?" });
    await waitUntil(() => harness.fake.requests.length === 3);
    expect(lastUserParts(harness.fake.requests[2])).toContainEqual({
      type: "image_url",
      image_url: { url: `data:image/png;base64,${png.toString("base64")}` },
    });
  });

  it("keeps a chat's order: a message sent right after an album is stored after it", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    telegram.album(["photo", "document"], { caption: "album first" });
    telegram.privateText("then this");
    await waitUntil(() => harness.fake.requests.length > 0);
    await waitUntil(
      async () => (await storedTexts(world as TelegramWorld, `telegram:${telegram.user.id}`)).length === 2,
    );
    expect(await storedTexts(world, `telegram:${telegram.user.id}`)).toEqual(["album first", "then this"]);
  });

  it("fetches a refused album again and stores it once, whole", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    harness.store.db.pragma("query_only = ON");
    const parts = telegram.album(["photo", "document"], { caption: "retry me" });
    const last = parts.at(-1)?.update_id ?? 0;
    const since = Date.now();
    const polls = () => telegram.calls.filter((call) => call.method === "getUpdates" && call.at >= since);
    await waitUntil(() => polls().length >= 2);
    expect(polls().every((call) => Number(call.params.offset ?? 0) <= (parts[0]?.update_id ?? 0))).toBe(true);
    harness.store.db.pragma("query_only = OFF");
    await waitUntil(() => telegram.offsets.some((offset) => offset > last));
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 1);
    const stored = await storedAttachments(world);
    expect(stored.map((files) => files.map((file) => file.kind))).toEqual([["image", "text"]]);
    expect(harness.fake.requests).toHaveLength(1);
  });

  it("answers a voice message with a short 'not supported' notice", async () => {
    world = await startTelegramWorld();
    const { telegram, harness } = world;
    const voice = telegram.voice();
    await waitUntil(() => sentTexts(telegram, telegram.user.id).length === 2);
    const notice = telegram
      .callsOf("sendMessage")
      .find((params) => String(params.text).includes("only images and text files can be read"));
    expect(String(notice?.text)).toMatch(/^voice-\d+\.ogg: only images and text files can be read so far\.$/);
    expect(notice?.reply_parameters).toMatchObject({ message_id: voice.message.message_id });
    expect(textOf(harness.fake.requests[0])).toMatch(/voice-\d+\.ogg \(audio\/ogg\); it was not read/);
    expect(telegram.callsOf("getFile")).toHaveLength(0);
  });

  it("skips files over the limits with a notice and never crashes", async () => {
    world = await startTelegramWorld({ gateway: vision });
    const { telegram, harness } = world;
    const user = telegram.user.id;
    const notices = () => sentTexts(telegram, user).filter((text) => text.includes("skipped"));

    telegram.album(
      Array.from({ length: 11 }, () => "photo" as const),
      { caption: "eleven" },
    );
    await waitUntil(() => notices().length === 1);
    expect(notices()[0]).toMatch(/^photo-\d+\.jpg: skipped, at most 10 images a message\.$/);
    await waitUntil(() => harness.fake.requests.length === 1);
    expect(lastUserParts(harness.fake.requests[0]).filter((part) => part.type === "image_url")).toHaveLength(10);

    const getFiles = telegram.callsOf("getFile").length;
    telegram.document({ fileName: "big.txt", bytes: Buffer.alloc(5 * MB, "a") });
    await waitUntil(() => notices().length === 2);
    expect(notices()[1]).toBe("big.txt: skipped, files over 4 MB are not read.");
    expect(telegram.callsOf("getFile")).toHaveLength(getFiles);

    // No declared size: getFile says it is too big (over 20 MB), or its size is over our limit.
    telegram.document({ fileName: "huge.txt", fileSize: 25 * MB, undeclared: true });
    telegram.document({ fileName: "five.txt", bytes: Buffer.alloc(5 * MB, "b"), undeclared: true });
    await waitUntil(() => notices().length === 4);
    expect(notices().slice(2)).toEqual([
      "huge.txt: skipped, files over 4 MB are not read.",
      "five.txt: skipped, files over 4 MB are not read.",
    ]);
    expect(telegram.callsOf("getFile")).toHaveLength(getFiles + 2);

    telegram.privateText("still alive?");
    await waitUntil(() => sentTexts(telegram, user).includes("echo: still alive?"));
    expect(world.adapter.status().state).toBe("running");
    const stored = await storedAttachments(world);
    expect(stored.map((files) => files.length)).toEqual([10, 0, 0, 0, 0]);
  });
});
