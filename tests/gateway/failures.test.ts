import { afterEach, describe, expect, it } from "vitest";
import { LoopbackAdapter } from "../../adapters/loopback/loopback-adapter.js";
import { AcceptError } from "../../src/gateway/channel.js";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { FakeLoopbackPlatform } from "../fakes/fake-loopback-platform.js";
import { Gate, GatewayHarness, sessionOf } from "./gateway-harness.js";

let harness: GatewayHarness | undefined;
let platform: FakeLoopbackPlatform | undefined;

afterEach(async () => {
  if (harness?.store.db.open) harness.store.db.pragma("query_only = OFF");
  await harness?.close();
  await platform?.stop();
  harness = undefined;
  platform = undefined;
});

describe("a store that refuses writes", () => {
  it("makes accept throw AcceptError and stores nothing", async () => {
    const channel = new FakeChannel();
    const h = await GatewayHarness.start([channel]);
    harness = h;
    h.store.db.pragma("query_only = ON");
    const result = await channel.deliver({ conv: "w", text: "lost?", id: "1" });
    expect(result).toBeInstanceOf(AcceptError);
    expect((result as AcceptError).code).toBe("ACCEPT_FAILED");

    h.store.db.pragma("query_only = OFF");
    // Nothing was stored: the platform's retry of the same message is accepted, not a duplicate.
    expect(await channel.deliver({ conv: "w", text: "lost?", id: "1" })).toMatchObject({ status: "accepted" });
    await channel.waitFor((sends) => sends.length === 1);
    expect(channel.sends[0]?.text).toBe("echo: lost?");
  });

  it("makes the loopback route answer 503, then 200 once the store recovers", async () => {
    platform = await new FakeLoopbackPlatform().start();
    const h = await GatewayHarness.start([new LoopbackAdapter({ outboundUrl: platform.url })]);
    harness = h;
    const post = () =>
      fetch(`http://127.0.0.1:${h.port}/loopback/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conversation: "l1", sender: "u1", text: "over http", message_id: "m1" }),
      });
    h.store.db.pragma("query_only = ON");
    const refused = await post();
    expect(refused.status).toBe(503);
    h.store.db.pragma("query_only = OFF");
    const ok = await post();
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "accepted" });
    await waitUntil(() => platform?.sent.some((sent) => sent.text === "echo: over http") ?? false);
    expect(platform.sent.map((sent) => sent.text)).toEqual(["echo: over http"]);
    expect(platform.sent[0]).toMatchObject({ conversation: "l1", replyTo: "m1" });
  });
});

describe("a failing model", () => {
  it("answers once with an error, marks the message failed, and recovers for the next", async () => {
    const channel = new FakeChannel();
    const h = await GatewayHarness.start([channel]);
    harness = h;
    const echo = h.fake.fallback;
    h.fake.fallback = () => ({ kind: "status", status: 500, message: "boom" });
    const session = sessionOf(await channel.deliver({ conv: "f", text: "first", id: "1" }));
    await channel.waitFor((sends) => sends.length === 1);
    expect(channel.sends[0]?.text).toMatch(/^Sorry, I could not answer: .*500/);
    await waitUntil(async () => (await h.store.queue.inboundOfSession(session))[0]?.state === "failed");

    h.fake.fallback = echo;
    await channel.deliver({ conv: "f", text: "second", id: "2" });
    await channel.waitFor((sends) => sends.length === 2);
    expect(channel.sends.map((send) => send.text.startsWith("Sorry"))).toEqual([true, false]);
    expect(channel.sends[1]?.text).toBe("echo: second");
    expect((await h.store.queue.inboundOfSession(session)).map((row) => row.state)).toEqual(["failed", "answered"]);
    expect(h.fake.requests).toHaveLength(2);
    const errors = (await h.store.outbox.list()).filter((row) => row.kind === "error");
    expect(errors).toHaveLength(1);
  });
});

describe("graceful stop", () => {
  it("leaves a held turn running for the next process, which resumes it and answers once", async () => {
    const channel = new FakeChannel();
    const h = await GatewayHarness.start([channel]);
    harness = h;
    const gate = new Gate();
    gate.close();
    h.fake.beforeReply = () => gate.wait();
    const session = sessionOf(await channel.deliver({ conv: "g", text: "slow one", id: "1" }));
    await waitUntil(() => h.fake.active.size === 1);

    const began = Date.now();
    await h.gateway.stop(300);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    await expect(
      h.gateway.accept({
        channel: "fake",
        conversationKey: "fake:g",
        sender: { id: "u" },
        text: "late",
        addressed: true,
        deliveryKeys: ["late-1"],
      }),
    ).rejects.toMatchObject({ code: "ACCEPT_FAILED" });
    const turns = h.store.db.prepare("SELECT state, lease_until AS leaseUntil FROM turns").all();
    expect(turns).toEqual([{ state: "running", leaseUntil: 0 }]);
    expect((await h.store.queue.inboundOfSession(session)).map((row) => row.state)).toEqual(["running"]);
    expect(channel.sends).toHaveLength(0);
    await h.http.close();
    await h.store.close();

    h.fake.beforeReply = undefined;
    gate.open();
    await h.open();
    await channel.waitFor((sends) => sends.length === 1);
    await waitUntil(async () => (await h.store.queue.inboundOfSession(session))[0]?.state === "answered");
    expect(channel.sends.map((send) => send.text)).toEqual(["echo: slow one"]);
    const after = h.store.db.prepare("SELECT state FROM turns").all();
    expect(after).toEqual([{ state: "completed" }]);
    expect(h.fake.requests).toHaveLength(2);
  });
});
