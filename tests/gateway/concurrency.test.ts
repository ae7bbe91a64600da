import { afterEach, describe, expect, it } from "vitest";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import { Gate, GatewayHarness, sessionOf, tagOf } from "./gateway-harness.js";

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Watches the fake model: the most requests in flight at once, in all and per conversation tag. */
function watchConcurrency(h: GatewayHarness, gate: Gate) {
  const peak = { all: 0, byTag: new Map<string, number>() };
  h.fake.beforeReply = async (body: ChatRequestBody) => {
    const active = [...h.fake.active];
    peak.all = Math.max(peak.all, active.length);
    const tag = tagOf(body);
    const same = active.filter((other) => tagOf(other) === tag).length;
    peak.byTag.set(tag, Math.max(peak.byTag.get(tag) ?? 0, same));
    await gate.wait();
  };
  return peak;
}

const answered = async (h: GatewayHarness, session: string) =>
  (await h.store.queue.inboundOfSession(session)).every((row) => row.state === "answered");

describe("turn concurrency", () => {
  it("runs different sessions at once but never two turns of one session", async () => {
    const channel = new FakeChannel();
    const h = await GatewayHarness.start([channel], { maxTurns: 2, mode: "followup" });
    harness = h;
    const gate = new Gate();
    gate.close();
    const peak = watchConcurrency(h, gate);

    const a = sessionOf(await channel.deliver({ conv: "a", text: "[a] one", id: "a1" }));
    const b = sessionOf(await channel.deliver({ conv: "b", text: "[b] one", id: "b1" }));
    expect(a).not.toBe(b);
    // Both sessions' requests are held at the model at the same time.
    await waitUntil(() => h.fake.active.size === 2);
    await channel.deliver({ conv: "a", text: "[a] two", id: "a2" });
    await channel.deliver({ conv: "a", text: "[a] three", id: "a3" });
    // Give the scheduler polls a chance to (wrongly) start a second turn of session a.
    await waitUntil(() => h.gateway.scheduler.runningCount === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.fake.requests.map(tagOf)).toEqual(["a", "b"]);

    gate.open();
    await waitUntil(async () => (await answered(h, a)) && (await answered(h, b)));
    await channel.waitFor((sends) => sends.filter((send) => send.text.startsWith("echo:")).length === 4);

    expect(peak.all).toBe(2);
    expect(peak.byTag.get("a")).toBe(1);
    expect(peak.byTag.get("b")).toBe(1);
    expect(h.fake.requests.filter((request) => tagOf(request) === "a")).toHaveLength(3);
    expect(channel.sentTo("a").map((send) => send.text)).toContain("echo: [a] three");
  });

  it("with maxTurns 1 runs one session at a time", async () => {
    const channel = new FakeChannel();
    const h = await GatewayHarness.start([channel], { maxTurns: 1 });
    harness = h;
    const gate = new Gate();
    gate.close();
    const peak = watchConcurrency(h, gate);

    const a = sessionOf(await channel.deliver({ conv: "a", text: "[a] one", id: "a1" }));
    const b = sessionOf(await channel.deliver({ conv: "b", text: "[b] one", id: "b1" }));
    await waitUntil(() => h.fake.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(h.fake.requests).toHaveLength(1);
    expect(h.gateway.scheduler.runningCount).toBe(1);

    gate.open();
    await waitUntil(async () => (await answered(h, a)) && (await answered(h, b)));
    expect(peak.all).toBe(1);
    expect(h.fake.requests.map(tagOf)).toEqual(["a", "b"]);
  });
});
