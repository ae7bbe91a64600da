import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { FakeChannel } from "../fakes/fake-channel.js";
import { GatewayHarness, userTexts } from "../gateway/gateway-harness.js";
import { answered, inboundCount, outboxSettled } from "./access-helpers.js";

const HOUR = 3600_000;
let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A gateway where nobody is on an allow list; `fake:boss` is an admin. */
async function start() {
  const channel = new FakeChannel();
  harness = await GatewayHarness.start([channel], { access: { allow: [], admins: ["fake:boss"] } });
  return { channel, h: harness };
}

async function allSessions(h: GatewayHarness) {
  return h.store.sessions.list({ states: ["active", "inactive", "archived"] });
}

describe("unknown senders", () => {
  it("get one short notice with their id and the command that admits them; the model is not called", async () => {
    const { channel, h } = await start();
    expect(await channel.deliver({ conv: "dm-x", sender: "x", text: "hello?", id: "1" })).toEqual({
      status: "refused",
    });
    await channel.waitFor((sends) => sends.length === 1);
    const notice = channel.sends[0];
    expect(notice?.conversationKey).toBe("fake:dm-x");
    expect(notice?.replyToMessageId).toBe("1");
    expect(notice?.text).toContain("fake:x");
    expect(notice?.text).toContain("gateway access allow fake:x");
    expect(notice?.text.length).toBeLessThan(300);
    expect(notice?.text.split("\n").length).toBeLessThanOrEqual(4);

    // More messages within 24 h, commands included: refused quietly.
    h.clock.advance(HOUR);
    expect(await channel.deliver({ conv: "dm-x", sender: "x", text: "anyone?", id: "2" })).toEqual({
      status: "refused",
    });
    h.clock.advance(22 * HOUR);
    expect(await channel.deliver({ conv: "dm-x", sender: "x", text: "/new", id: "3" })).toEqual({
      status: "refused",
    });
    // Not addressed to the bot (group chatter): not even refused.
    expect(await channel.deliver({ conv: "dm-x", sender: "x", text: "psst", id: "4", addressed: false })).toMatchObject(
      { status: "ignored" },
    );
    expect(await h.store.outbox.list()).toHaveLength(1);
    await outboxSettled(h);
    expect(channel.sends).toHaveLength(1);
    expect(h.fake.requests).toHaveLength(0);
    expect(inboundCount(h)).toBe(0);
    expect(await allSessions(h)).toEqual([]);
  });

  it("are reminded after 24 h, and each unknown sender gets their own notice", async () => {
    const { channel, h } = await start();
    expect(await channel.deliver({ conv: "dm-x", sender: "x", text: "one", id: "1" })).toEqual({ status: "refused" });
    expect(await channel.deliver({ conv: "dm-y", sender: "y", text: "two", id: "2" })).toEqual({ status: "refused" });
    await channel.waitFor((sends) => sends.length === 2);
    expect(channel.sentTo("dm-y")[0]?.text).toContain("gateway access allow fake:y");

    h.clock.advance(25 * HOUR);
    expect(await channel.deliver({ conv: "dm-x", sender: "x", text: "three", id: "3" })).toEqual({
      status: "refused",
    });
    await channel.waitFor((sends) => sends.length === 3);
    expect(channel.sentTo("dm-x").map((send) => send.replyToMessageId)).toEqual(["1", "3"]);
    expect(h.fake.requests).toHaveLength(0);
    expect(inboundCount(h)).toBe(0);
  });

  it("are admitted at once by a grant from another connection, and refused again after revoke", async () => {
    const { channel, h } = await start();
    expect(await channel.deliver({ conv: "dm-u1", sender: "u1", text: "hi", id: "1" })).toEqual({
      status: "refused",
    });
    await channel.waitFor((sends) => sends.length === 1);

    // As `gateway access allow fake:u1` does it: another process, same database file.
    const other = openStore(h.dbPath);
    try {
      expect(await other.access.grant("fake:u1")).toBe(true);
    } finally {
      await other.close();
    }
    await answered(channel, { conv: "dm-u1", sender: "u1", text: "now?", id: "2" });
    expect(h.fake.requests).toHaveLength(1);
    // The refused message was never stored, so it is not part of the history.
    expect(userTexts(h.fake.requests[0])).toEqual(["now?"]);
    expect(inboundCount(h)).toBe(1);

    expect(await h.store.access.revoke("fake:u1")).toBe(true);
    expect(await channel.deliver({ conv: "dm-u1", sender: "u1", text: "still there?", id: "3" })).toEqual({
      status: "refused",
    });
    await outboxSettled(h);
    expect(h.fake.requests).toHaveLength(1);
    expect(inboundCount(h)).toBe(1);
    expect(channel.sends.map((send) => send.text)).toEqual([channel.sends[0]?.text, "echo: now?"]);
  });

  it("an admin needs no allow list entry", async () => {
    const { channel, h } = await start();
    await answered(channel, { conv: "dm-boss", sender: "boss", text: "hi from boss", id: "1" });
    expect(h.fake.requests).toHaveLength(1);
  });
});

describe("refused messages redelivered", () => {
  it("are duplicates: same delivery key twice, even after a grant or 25 h", async () => {
    const { channel, h } = await start();
    const message = { conv: "dm-d", sender: "d", text: "knock knock", id: "42" };
    expect(await channel.deliver(message)).toEqual({ status: "refused" });
    expect(await channel.deliver(message)).toEqual({ status: "duplicate" });
    h.clock.advance(25 * HOUR);
    expect(await channel.deliver(message)).toEqual({ status: "duplicate" });
    await h.store.access.grant("fake:d");
    expect(await channel.deliver(message)).toEqual({ status: "duplicate" });
    await outboxSettled(h);
    expect(channel.sends).toHaveLength(1);
    expect(h.fake.requests).toHaveLength(0);
    expect(inboundCount(h)).toBe(0);
  });
});
