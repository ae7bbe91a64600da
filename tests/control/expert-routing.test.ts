import { describe, expect, it } from "vitest";
import { queuedNotices } from "../../src/gateway/intake.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { analyst, controlWorlds } from "./control-world.js";

const world = controlWorlds();

describe("+EXPERT prefix", () => {
  it("creates the first session with that Expert and sends the text without the prefix", async () => {
    const w = await world({ experts: [analyst] });
    const session = await w.message("p", "+analyst how did signups move?");
    await w.waitSettled(session);

    const stored = await w.h.store.sessions.get(session);
    expect(stored?.expert).toBe("analyst");
    expect(stored?.title).toBe("how did signups move?");
    expect(w.h.fake.requests).toHaveLength(1);
    expect(w.h.fake.requests[0]?.model).toBe("analyst-model");
    expect(userTexts(w.h.fake.requests[0])).toEqual(["how did signups move?"]);
    expect(w.turns(session).map((turn) => turn.expert)).toEqual(["analyst"]);
    expect((await w.inbound(session))[0]?.text).toBe("how did signups move?");
    expect(w.texts()).toEqual(["echo: how did signups move?"]);
  });

  it("switches an existing session to the named Expert for that message", async () => {
    const w = await world({ experts: [analyst] });
    const session = await w.message("p", "hello");
    await w.waitSettled(session);
    expect(await w.message("p", "+analyst and now numbers")).toBe(session);
    await w.waitSettled(session);
    expect((await w.h.store.sessions.get(session))?.expert).toBe("analyst");
    expect(w.turns(session).map((turn) => turn.expert)).toEqual(["default", "analyst"]);
    expect(userTexts(w.h.fake.requests[1])).toEqual(["hello", "and now numbers"]);
  });

  it("passes an unknown +name through unchanged, to the default Expert", async () => {
    const w = await world({ experts: [analyst] });
    const session = await w.message("p", "+nonexistent hi");
    await w.waitSettled(session);
    expect((await w.h.store.sessions.get(session))?.expert).toBe("default");
    expect(userTexts(w.h.fake.requests[0])).toEqual(["+nonexistent hi"]);
    expect(w.h.fake.requests[0]?.model).toBe("fake-model");
  });
});

describe("bindings", () => {
  const telegram = {
    settings: { bindings: [{ chat: "c1", expert: "analyst", mode: "followup" as const }] },
  };

  it("give a bound chat's first session its Expert and queue mode", async () => {
    const w = await world({ experts: [analyst], telegram, channel: { name: "telegram" } });
    const chat = { id: "c1", group: true };
    const gate = w.hold(1);
    const session = await w.message("c1", "weekly numbers?", { chat });
    const stored = await w.h.store.sessions.get(session);
    expect(stored?.conversationKey).toBe("telegram:c1");
    expect(stored?.expert).toBe("analyst");
    expect(stored?.mode).toBe("followup");

    // Followup is in force: the waiting message gets its own turn.
    await w.waitForRequests(1);
    await w.message("c1", "and monthly?", { chat });
    await w.channel.waitFor((sends) => sends.some((send) => send.text === queuedNotices.followup));
    gate.open();
    await w.waitSettled(session);
    expect(w.h.fake.requests.map((request) => request.model)).toEqual(["analyst-model", "analyst-model"]);
    expect(w.turns(session).map((turn) => turn.expert)).toEqual(["analyst", "analyst"]);
    expect(await w.command("c1", "/mode", { chat })).toMatch(/^Mode: followup/);
  });

  it("leave other chats on the defaults, and /new in a bound chat keeps the binding", async () => {
    const w = await world({ experts: [analyst], telegram, channel: { name: "telegram" } });
    const free = await w.message("c2", "hi", { chat: { id: "c2", group: false } });
    const stored = await w.h.store.sessions.get(free);
    expect([stored?.expert, stored?.mode]).toEqual(["default", null]);

    await w.command("c1", "/new", { chat: { id: "c1", group: true } });
    const fresh = await w.current("c1");
    expect([fresh?.expert, fresh?.mode]).toEqual(["analyst", "followup"]);
  });
});
