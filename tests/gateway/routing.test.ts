import { afterEach, describe, expect, it } from "vitest";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { GatewayHarness, sessionOf, userTexts } from "./gateway-harness.js";

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start() {
  const channel = new FakeChannel();
  harness = await GatewayHarness.start([channel]);
  return { channel, h: harness };
}

describe("duplicate deliveries", () => {
  it("answers a delivery key once, even when delivered twice", async () => {
    const { channel, h } = await start();
    const first = await channel.deliver({ conv: "d", text: "[d] hi", id: "7" });
    expect(first).toMatchObject({ status: "accepted" });
    expect(await channel.deliver({ conv: "d", text: "[d] hi", id: "7" })).toEqual({ status: "duplicate" });
    await channel.waitFor((sends) => sends.length === 1);
    await waitUntil(async () => (await h.store.outbox.list()).every((row) => row.state === "delivered"));
    expect(channel.sends.map((send) => send.text)).toEqual(["echo: [d] hi"]);
    expect(await h.store.queue.inboundOfSession(sessionOf(first))).toHaveLength(1);
    expect(h.fake.requests).toHaveLength(1);
  });

  it("still knows the delivery key after a restart", async () => {
    const { channel, h } = await start();
    const session = sessionOf(await channel.deliver({ conv: "d", text: "[d] once", id: "8" }));
    await channel.waitFor((sends) => sends.length === 1);
    await waitUntil(async () => (await h.store.outbox.list()).every((row) => row.state === "delivered"));

    await h.restart();
    expect(await channel.deliver({ conv: "d", text: "[d] once", id: "8" })).toEqual({ status: "duplicate" });
    // A new message still works, so the gateway is live and would have answered a non-duplicate.
    await channel.deliver({ conv: "d", text: "[d] next", id: "9" });
    await channel.waitFor((sends) => sends.length === 2);
    expect(channel.sends.map((send) => send.text)).toEqual(["echo: [d] once", "echo: [d] next"]);
    expect((await h.store.queue.inboundOfSession(session)).map((row) => row.text)).toEqual(["[d] once", "[d] next"]);
    expect(h.fake.requests).toHaveLength(2);
  });
});

describe("replies to the bot", () => {
  it("route to the session of the replied message and reopen it", async () => {
    const { channel, h } = await start();
    const old = sessionOf(await channel.deliver({ conv: "r", text: "[r] about apples", id: "1" }));
    await channel.waitFor((sends) => sends.length === 1);
    const botMessage = channel.sends[0]?.messageId ?? "";
    await waitUntil(async () => (await h.store.outbox.list()).every((row) => row.state === "delivered"));

    // The conversation moves on to a new session (as `/new` would do).
    const fresh = await h.store.sessions.create({
      channel: "fake",
      conversationKey: "fake:r",
      expert: "default",
      origin: "chat",
    });
    expect((await h.store.sessions.current("fake:r"))?.id).toBe(fresh.id);
    const inFresh = sessionOf(await channel.deliver({ conv: "r", text: "[r] about pears", id: "2" }));
    expect(inFresh).toBe(fresh.id);
    await channel.waitFor((sends) => sends.length === 2);
    expect(userTexts(h.fake.requests[1])).toEqual(["[r] about pears"]);

    const reply = await channel.deliver({ conv: "r", text: "[r] more apples", id: "3", replyTo: botMessage });
    expect(sessionOf(reply)).toBe(old);
    await channel.waitFor((sends) => sends.length === 3);
    expect(userTexts(h.fake.requests[2])).toEqual(["[r] about apples", "[r] more apples"]);
    expect((await h.store.sessions.current("fake:r"))?.id).toBe(old);
    expect((await h.store.sessions.get(old))?.state).toBe("active");
    expect((await h.store.sessions.get(fresh.id))?.state).toBe("inactive");
    // The next plain message stays in the reopened session.
    expect(sessionOf(await channel.deliver({ conv: "r", text: "[r] and then", id: "4" }))).toBe(old);
  });

  it("to an archived session reopen it", async () => {
    const { channel, h } = await start();
    const old = sessionOf(await channel.deliver({ conv: "z", text: "[z] first", id: "1" }));
    await channel.waitFor((sends) => sends.length === 1);
    await waitUntil(async () => (await h.store.outbox.list()).every((row) => row.state === "delivered"));
    await h.store.sessions.archive(old);
    const reply = await channel.deliver({
      conv: "z",
      text: "[z] again",
      id: "2",
      replyTo: channel.sends[0]?.messageId,
    });
    expect(sessionOf(reply)).toBe(old);
    expect((await h.store.sessions.get(old))?.state).toBe("active");
    await channel.waitFor((sends) => sends.length === 2);
    expect(channel.sends[1]?.text).toBe("echo: [z] again");
  });
});
