import { afterEach, describe, expect, it } from "vitest";
import type { ChannelLimits } from "../../src/gateway/channel.js";
import type { OutboxRow } from "../../src/store/types.js";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { GatewayHarness } from "./gateway-harness.js";

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(limits: Partial<ChannelLimits> = {}) {
  const channel = new FakeChannel({ limits });
  harness = await GatewayHarness.start([channel]);
  return { channel, h: harness };
}

async function answerRow(h: GatewayHarness): Promise<OutboxRow | undefined> {
  return (await h.store.outbox.list()).find((row) => row.kind === "answer");
}

const fences = (text: string) => (text.match(/```/g) ?? []).length;

describe("outbox delivery", () => {
  it("waits out a rate limit as asked, then delivers once", async () => {
    const { channel, h } = await start();
    channel.failNext({ kind: "rate", retryAfterMs: 300 });
    await channel.deliver({ conv: "o", text: "hello", id: "1" });
    await channel.waitFor((sends) => sends.length === 1);
    await waitUntil(async () => (await answerRow(h))?.state === "delivered");

    const [failed, ok] = channel.sendAttempts;
    expect(failed?.failed).toBe("rate");
    expect(ok?.failed).toBeNull();
    expect((ok?.at ?? 0) - (failed?.at ?? 0)).toBeGreaterThanOrEqual(300);
    expect(channel.sendAttempts).toHaveLength(2);
    expect(channel.sends.map((send) => send.text)).toEqual(["echo: hello"]);
  });

  it("retries transient failures with backoff and delivers once", async () => {
    const { channel, h } = await start();
    channel.failNext({ kind: "transient" }, 2);
    await channel.deliver({ conv: "o", text: "flaky", id: "1" });
    for (const [attempt, backoff] of [
      [1, 1000],
      [2, 2000],
    ] as const) {
      await waitUntil(async () => {
        const row = await answerRow(h);
        return row?.state === "pending" && row.attempts === attempt;
      });
      expect(channel.sendAttempts).toHaveLength(attempt);
      const row = await answerRow(h);
      // The backoff is honoured: not due yet, due once the clock passes it.
      expect((row?.nextAttemptAt ?? 0) - h.clock.now()).toBeGreaterThan(backoff - 300);
      h.clock.advance(backoff);
    }
    await waitUntil(async () => (await answerRow(h))?.state === "delivered");
    expect(channel.sendAttempts.map((attempt) => attempt.failed)).toEqual(["transient", "transient", null]);
    expect(channel.sends.map((send) => send.text)).toEqual(["echo: flaky"]);
    expect((await answerRow(h))?.sentParts).toEqual([channel.sends[0]?.messageId]);
  });

  it("gives up on a permanent failure without retrying", async () => {
    const { channel, h } = await start();
    channel.failNext({ kind: "permanent" });
    await channel.deliver({ conv: "o", text: "forbidden", id: "1" });
    await waitUntil(async () => (await answerRow(h))?.state === "failed");
    const row = await answerRow(h);
    expect(row?.error).toContain("403");
    // Even with time moved far ahead, the row is not tried again.
    h.clock.advance(120_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(channel.sendAttempts).toHaveLength(1);
    expect(channel.sends).toHaveLength(0);
    expect((await answerRow(h))?.state).toBe("failed");
  });

  it("splits a long answer into parts within the limit, keeping code blocks closed", async () => {
    const { channel, h } = await start({ maxMessageLength: 100 });
    const answer = [
      "Here is how you read a file in Node and print each of its lines, step by step, with a short example.",
      "```js\nimport { readFileSync } from 'node:fs';\nconst text = readFileSync('notes.txt', 'utf8');\nfor (const line of text.split('\\n')) {\n  console.log(line.trim());\n}\n```",
      "That is all: the file is read at once, so keep it small; for big files use a stream and readline instead.",
    ].join("\n\n");
    expect(answer.length).toBeGreaterThan(330);
    h.fake.reply({ kind: "text", text: answer });
    await channel.deliver({ conv: "o", text: "how?", id: "1" });
    await waitUntil(async () => (await answerRow(h))?.state === "delivered");

    const parts = channel.sends.map((send) => send.text);
    expect(parts.length).toBeGreaterThanOrEqual(4);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(100);
      expect(fences(part) % 2).toBe(0);
    }
    expect(parts.join("\n")).toContain("console.log(line.trim());");
    // Nothing lost or reordered: the parts hold the answer's words, fences aside.
    const words = (text: string) => text.replace(/```(js)?/g, "").replace(/\s+/g, "");
    expect(words(parts.join(" "))).toBe(words(answer));
    expect((await answerRow(h))?.sentParts).toEqual(channel.sends.map((send) => send.messageId));
    // Only the first part replies to the user's message.
    expect(channel.sends.map((send) => send.replyToMessageId)).toEqual(["1", ...parts.slice(1).map(() => undefined)]);
  });
});
