import { afterEach, describe, expect, it } from "vitest";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { GatewayHarness } from "./gateway-harness.js";

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const EDIT_INTERVAL = 100;

async function streamSlowly(pieces: string[]) {
  const channel = new FakeChannel({ limits: { previews: true, editIntervalMs: EDIT_INTERVAL } });
  const h = await GatewayHarness.start([channel]);
  harness = h;
  h.fake.reply({ kind: "text", text: pieces.join(""), pieces, delayMs: 30 });
  await channel.deliver({ conv: "p", text: "tell me", id: "1" });
  await waitUntil(async () =>
    (await h.store.outbox.list()).some((row) => row.kind === "answer" && row.state === "delivered"),
  );
  return { channel, h };
}

describe("streaming previews", () => {
  it("shows the answer as it streams, edits no faster than allowed, and ends on the full text", async () => {
    const pieces = Array.from({ length: 20 }, (_, i) => `word${i} `);
    const full = pieces.join("");
    const { channel, h } = await streamSlowly(pieces);

    // One message: the preview, later edited into the answer.
    expect(channel.sends).toHaveLength(1);
    const preview = channel.sends[0];
    expect(preview?.text.endsWith(" …")).toBe(true);
    expect(full.startsWith(preview?.text.replace(/ …$/, "") ?? "-")).toBe(true);
    expect(preview?.text.length).toBeLessThan(full.length);
    expect(preview?.replyToMessageId).toBe("1");
    const id = preview?.messageId ?? "";

    // The preview grew while the model streamed (600 ms): several edits in between.
    const edits = channel.edits.filter((edit) => edit.messageId === id);
    expect(edits.length).toBeGreaterThanOrEqual(3);
    expect(edits.at(-1)?.text).toBe(full);
    expect(channel.messages.get(id)).toBe(full);
    for (const edit of edits.slice(0, -1)) {
      expect(edit.text.endsWith(" …")).toBe(true);
      expect(full.startsWith(edit.text.replace(/ …$/, ""))).toBe(true);
    }
    expect(channel.edits.every((edit) => edit.messageId === id)).toBe(true);

    // Every change to the message, the final one included, respects the edit interval.
    const times = [preview?.at ?? 0, ...edits.map((edit) => edit.at)];
    const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0));
    expect(Math.min(...gaps.slice(0, -1))).toBeGreaterThanOrEqual(EDIT_INTERVAL - 2);

    const row = (await h.store.outbox.list()).find((r) => r.kind === "answer");
    expect(row?.editMessageId).toBe(id);
    expect(row?.sentParts).toEqual([id]);
    // The outbox's final edit must also wait out the interval since the last preview edit.
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(EDIT_INTERVAL - 2);
  });

  it("sends no preview message when the channel has previews off", async () => {
    const channel = new FakeChannel({ limits: { previews: false } });
    const h = await GatewayHarness.start([channel]);
    harness = h;
    h.fake.reply({ kind: "text", text: "a b c d e f", pieces: ["a ", "b ", "c ", "d ", "e ", "f"], delayMs: 30 });
    await channel.deliver({ conv: "p", text: "tell me", id: "1" });
    await channel.waitFor((sends) => sends.length === 1);
    expect(channel.sends[0]?.text).toBe("a b c d e f");
    expect(channel.edits).toHaveLength(0);
  });
});
