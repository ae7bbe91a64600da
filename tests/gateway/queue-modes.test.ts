import { afterEach, describe, expect, it } from "vitest";
import { overflowNotice, queuedNotices } from "../../src/gateway/intake.js";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { Gate, GatewayHarness, sessionOf, userTexts } from "./gateway-harness.js";

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Starts a gateway whose first model request is held at a gate; message `m1` is in that turn. */
async function withHeldFirstTurn(options: { mode: "collect" | "followup"; cap?: number }) {
  const channel = new FakeChannel();
  const h = await GatewayHarness.start([channel], { mode: options.mode, cap: options.cap ?? 10 });
  harness = h;
  const gate = new Gate();
  gate.close();
  let held = false;
  h.fake.beforeReply = async () => {
    if (held) return;
    held = true;
    await gate.wait();
  };
  const session = sessionOf(await channel.deliver({ conv: "c", text: "[c] m1", id: "1" }));
  await waitUntil(() => h.fake.requests.length === 1);
  return { channel, h, gate, session };
}

const texts = (channel: FakeChannel) => channel.sends.map((send) => send.text);

describe("collect mode", () => {
  it("gives a burst one queued notice and answers it in one second turn", async () => {
    const { channel, h, gate, session } = await withHeldFirstTurn({ mode: "collect" });
    for (const n of [2, 3, 4]) {
      const result = await channel.deliver({ conv: "c", text: `[c] m${n}`, id: String(n) });
      expect(result).toMatchObject({ status: "accepted", sessionId: session, queued: true });
    }
    await channel.waitFor((sends) => sends.some((send) => send.text === queuedNotices.collect));
    expect(h.fake.requests).toHaveLength(1);
    gate.open();
    await channel.waitFor((sends) => sends.length >= 3);
    await waitUntil(async () => (await h.inboundStates(session)).every((row) => row.state === "answered"));

    expect(texts(channel)).toEqual([queuedNotices.collect, "echo: [c] m1", "echo: [c] m4"]);
    expect(h.fake.requests).toHaveLength(2);
    const second = userTexts(h.fake.requests[1]);
    for (const text of ["[c] m2", "[c] m3", "[c] m4"]) expect(second).toContain(text);
    expect(second.indexOf("[c] m2")).toBeLessThan(second.indexOf("[c] m3"));
    expect(second.indexOf("[c] m3")).toBeLessThan(second.indexOf("[c] m4"));
    expect(await h.inboundStates(session)).toEqual(
      ["m1", "m2", "m3", "m4"].map((m) => ({ text: `[c] ${m}`, state: "answered" })),
    );
    // The notice replies to the first message that had to wait.
    expect(channel.sends[0]?.replyToMessageId).toBe("2");
  });
});

describe("followup mode", () => {
  it("answers each waiting message in its own turn, in order", async () => {
    const { channel, h, gate, session } = await withHeldFirstTurn({ mode: "followup" });
    for (const n of [2, 3, 4]) await channel.deliver({ conv: "c", text: `[c] m${n}`, id: String(n) });
    await channel.waitFor((sends) => sends.length === 1);
    gate.open();
    await channel.waitFor((sends) => sends.length >= 5);
    await waitUntil(async () => (await h.inboundStates(session)).every((row) => row.state === "answered"));

    expect(texts(channel)).toEqual([queuedNotices.followup, ...[1, 2, 3, 4].map((n) => `echo: [c] m${n}`)]);
    expect(h.fake.requests).toHaveLength(4);
    // Each turn's request ends with its own message and has not seen the later ones.
    h.fake.requests.forEach((request, index) => {
      const users = userTexts(request);
      expect(users.at(-1)).toBe(`[c] m${index + 1}`);
      expect(users).toHaveLength(index + 1);
    });
  });
});

describe("queue cap", () => {
  it("queues up to the cap, drops the rest with one overflow notice, loses nothing silently", async () => {
    const { channel, h, gate, session } = await withHeldFirstTurn({ mode: "collect", cap: 2 });
    for (const n of [2, 3, 4, 5]) await channel.deliver({ conv: "c", text: `[c] m${n}`, id: String(n) });
    const rows = await h.inboundStates(session);
    expect(rows.map((row) => row.state)).toEqual(["running", "queued", "queued", "dropped", "dropped"]);
    await channel.waitFor((sends) => sends.length >= 2);
    gate.open();
    await waitUntil(async () => (await h.inboundStates(session)).every((row) => row.state !== "queued"));
    await channel.waitFor((sends) => sends.some((send) => send.text === "echo: [c] m3"));
    // Let any further (wrong) notices arrive before counting.
    await waitUntil(async () => (await h.store.outbox.list()).every((row) => row.state === "delivered"));

    const sent = texts(channel);
    expect(sent.filter((text) => text === queuedNotices.collect)).toHaveLength(1);
    expect(sent.filter((text) => text.startsWith("echo:"))).toEqual(["echo: [c] m1", "echo: [c] m3"]);
    const final = await h.inboundStates(session);
    expect(final.map((row) => row.state)).toEqual(["answered", "answered", "answered", "dropped", "dropped"]);
    // The second turn answered exactly the queued messages, not the dropped ones.
    const second = userTexts(h.fake.requests[1]);
    expect(second).toEqual(expect.arrayContaining(["[c] m2", "[c] m3"]));
    expect(second).not.toContain("[c] m4");
    expect(second).not.toContain("[c] m5");
    // One notice per burst over the cap, not one per dropped message (decided in src/gateway/message-routing.ts).
    expect(sent.filter((text) => text === overflowNotice)).toHaveLength(1);
  });
});
