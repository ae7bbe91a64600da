import { describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { BOT_ID, BOT_USER } from "../fakes/fake-slack.js";
import { messageEvent, type SlackWorld, slackWorlds } from "./slack-world.js";

const start = slackWorlds();

/** Long answers go out at Slack's pace (one message a second), so this may take a few seconds. */
async function answerDelivered(w: SlackWorld, count = 1): Promise<void> {
  await waitUntil(
    async () =>
      (await w.h.store.outbox.list()).filter((r) => r.kind === "answer" && r.state === "delivered").length >= count,
  );
}

describe("Slack replies", () => {
  it("renders model Markdown as escaped mrkdwn, tagged with its outbox row", async () => {
    const w = await start();
    w.slack.streamRefusal = "not_allowed";
    w.h.fake.reply({ kind: "text", text: "<!channel> **bold** & [docs](https://e.com/a?b=1&c=2) `<@U1>`" });
    const root = "1700001000.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "format", ts: root }));
    await answerDelivered(w);
    // The stand-in preview of the refused stream is gone; the answer is the one message.
    const [answer, ...rest] = w.slack.botMessages("C1").filter((m) => m.thread_ts === root);
    expect(rest).toEqual([]);
    expect(answer?.text).toBe("&lt;!channel&gt; *bold* &amp; <https://e.com/a?b=1&amp;c=2|docs> `&lt;@U1&gt;`");
    const [row] = (await w.h.store.outbox.list()).filter((r) => r.kind === "answer");
    expect(answer?.metadata).toEqual({
      event_type: "gateway_outbox",
      event_payload: { outbox_id: row?.id, piece: 0, digest: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
  });

  it("splits long replies into messages of at most 4,000 characters, never inside a code block", async () => {
    const w = await start();
    w.slack.streamRefusal = "not_allowed";
    const prose = (n: number) => Array.from({ length: n }, (_, i) => `Sentence ${i} says a little.`).join(" ");
    const code = Array.from({ length: 150 }, (_, i) => `const line${i} = ${i} < 10 && true;`).join("\n");
    w.h.fake.reply({ kind: "text", text: `${prose(100)}\n\n\`\`\`ts\n${code}\n\`\`\`\n\n${prose(150)}` });
    const root = "1700001100.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "long", ts: root }));
    await answerDelivered(w);
    const parts = w.replies("C1", root);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4000);
      expect((part.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(parts.join("\n")).toContain("const line149 = 149 &lt; 10 &amp;&amp; true;");
  });

  it("waits out a 429 as long as Slack asks and then posts once", async () => {
    const w = await start();
    const root = "1700001200.000100";
    w.slack.failNext({ kind: "rate", retryAfter: 1 }, "chat.postMessage");
    const started = Date.now();
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "!help", ts: root }));
    await waitUntil(() => w.replies("C1", root).length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(w.slack.callsOf("chat.postMessage")).toHaveLength(2);
    expect(w.replies("C1", root)[0]).toContain("help");
  });

  it("does not post again after an ambiguous failure when the post did arrive", async () => {
    const w = await start();
    const root = "1700001300.000100";
    w.slack.failNext({ kind: "drop-after" }, "chat.postMessage");
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "!help", ts: root }));
    await waitUntil(async () => (await w.h.store.outbox.list()).every((row) => row.state === "delivered"));
    expect(w.replies("C1", root)).toHaveLength(1);
    expect(w.slack.callsOf("conversations.replies").length).toBeGreaterThanOrEqual(1);
  });

  it("after an ambiguous failure, tells the parts of one row apart by their text", async () => {
    const w = await start();
    const send = (text: string) => w.adapter.send({ conversationKey: "slack:T1:C9:1.5", text, outboxId: 7 });
    await send("part one");
    w.slack.failNext({ kind: "http", status: 502 }, "chat.postMessage");
    await expect(send("part two")).rejects.toMatchObject({ code: "TRANSIENT" });
    // Part one of the same row is found, but it is not this part: part two is posted.
    await send("part two");
    w.slack.failNext({ kind: "drop-after" }, "chat.postMessage");
    await expect(send("part three")).rejects.toMatchObject({ code: "TRANSIENT" });
    const { messageId } = await send("part three");
    expect(w.replies("C9", "1.5")).toEqual(["part one", "part two", "part three"]);
    expect(messageId).toBe(w.slack.botMessages("C9").at(-1)?.ts);
  });

  it("looks up a row left `sending` by a stopped process instead of posting it again", async () => {
    const w = await start();
    const root = "1700001400.000100";
    const conversationKey = `slack:T1:C1:${root}`;
    const id = await w.h.store.outbox.enqueue({
      sessionId: null,
      channel: "slack",
      conversationKey,
      kind: "notice",
      text: "sent before the crash",
      replyToMessageId: null,
    });
    // A process that died after posting: the row is `sending` under an expired lease.
    await w.h.store.outbox.claim("otherhost:1:dead", { channels: ["slack"] }, -1000, 10);
    w.slack.addMessage({
      channel: "C1",
      thread_ts: root,
      text: "sent before the crash",
      bot_id: BOT_ID,
      user: BOT_USER,
      metadata: { event_type: "gateway_outbox", event_payload: { outbox_id: id, piece: 0 } },
    });
    await waitUntil(async () => (await w.h.store.outbox.list()).every((row) => row.state === "delivered"));
    expect(w.slack.callsOf("chat.postMessage")).toHaveLength(0);
    expect(w.slack.callsOf("conversations.replies")[0]).toMatchObject({ channel: "C1", ts: root });
  });
});

describe("Slack streaming", () => {
  it("streams natively with chat.startStream/appendStream/stopStream, and the stream is the answer", async () => {
    const w = await start();
    const pieces = [...Array.from({ length: 12 }, (_, i) => `word${i} `), "<", "!channel> <@U1>"];
    w.h.fake.reply({ kind: "text", text: pieces.join(""), pieces, delayMs: 20 });
    const root = "1700002000.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "stream it", ts: root }));
    await answerDelivered(w);
    expect(w.slack.callsOf("chat.startStream")).toEqual([
      expect.objectContaining({ channel: "C1", thread_ts: root, recipient_user_id: "U1", recipient_team_id: "T1" }),
    ]);
    expect(w.slack.callsOf("chat.stopStream")).toHaveLength(1);
    expect(w.slack.callsOf("chat.postMessage")).toHaveLength(0);
    // What the model wrote stays text: no @channel ping, no mention, even when split across deltas.
    expect(w.replies("C1", root)).toEqual([`${pieces.slice(0, 12).join("")}<\u200b!channel> <\u200b@U1>`]);
    const [row] = (await w.h.store.outbox.list()).filter((r) => r.kind === "answer");
    expect(row?.sentParts).toEqual([w.slack.botMessages("C1")[0]?.ts]);
  });

  it("streams a long answer only while it fits one message, then posts it in parts of at most 4,000", async () => {
    const w = await start();
    const pieces = Array.from({ length: 120 }, (_, i) => `Sentence ${i} streams along with some words. `);
    w.h.fake.reply({ kind: "text", text: pieces.join(""), pieces, delayMs: 5 });
    const root = "1700002100.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "stream a lot", ts: root }));
    await answerDelivered(w);
    expect(w.slack.callsOf("chat.startStream")).toHaveLength(1);
    const parts = w.replies("C1", root);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4000);
    expect(parts.join(" ")).toContain("Sentence 0 streams");
    expect(parts.join(" ")).toContain("Sentence 119 streams");
    expect(parts.filter((part) => part.includes("Sentence 119"))).toHaveLength(1);
  });

  it("falls back to chat.update when streaming is refused, and remembers it for later turns", async () => {
    const w = await start();
    w.slack.streamRefusal = "not_allowed";
    const first = "1700002100.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "one", ts: first }));
    await answerDelivered(w);
    expect(w.replies("C1", first)).toEqual(["echo: one"]);
    const pieces = Array.from({ length: 10 }, (_, i) => `bit${i} `);
    w.h.fake.reply({ kind: "text", text: pieces.join(""), pieces, delayMs: 250 });
    const second = "1700002100.000200";
    await w.deliver(messageEvent({ channel: "C2", mention: true, text: "two", ts: second }));
    await answerDelivered(w, 2);
    expect(w.slack.callsOf("chat.startStream")).toHaveLength(1);
    // The second answer was shown as an edited preview, then edited into the answer.
    expect(w.slack.callsOf("chat.update").filter((call) => call.channel === "C2").length).toBeGreaterThanOrEqual(2);
    expect(w.replies("C2", second)).toEqual([pieces.join("").trim()]);
  });

  it("stops the stream when the turn fails or is stopped", async () => {
    const w = await start();
    w.h.fake.reply({ kind: "cut", text: "half an answer that breaks", flush: true });
    const root = "1700002200.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "fail", ts: root }));
    await waitUntil(() => w.slack.callsOf("chat.stopStream").length === 1);
    expect(w.slack.callsOf("chat.startStream")).toHaveLength(1);

    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    w.h.fake.reply({
      kind: "text",
      text: "a long answer that will be stopped",
      pieces: ["a long ", "answer ", "that"],
      pause: { afterPieces: 1, until: held },
    });
    const other = "1700002200.000200";
    await w.deliver(messageEvent({ channel: "C2", mention: true, text: "go", ts: other }));
    await waitUntil(() => w.slack.callsOf("chat.startStream").length === 2);
    await w.deliver(messageEvent({ channel: "C2", text: "!stop", ts: "1700002200.000300", threadTs: other }));
    await waitUntil(() => w.slack.callsOf("chat.stopStream").length === 2);
    release();
    await waitUntil(() => w.replies("C2", other).some((text) => text.includes("stopped")));
    expect(w.replies("C2", other)[0]).toBe("a long ");
  });
});
