import { describe, expect, it } from "vitest";
import { queuedNotices } from "../../src/gateway/intake.js";
import type { FakeReply } from "../fakes/fake-openai.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { controlWorlds } from "./control-world.js";

const world = controlWorlds();

const timeCall: FakeReply = { kind: "tools", calls: [{ name: "current_time", arguments: "{}" }] };

describe("steer mode", () => {
  it("lets messages sent mid-turn join it after the tool result, answered once by the same turn", async () => {
    const w = await world({ mode: "steer" });
    w.h.fake.reply(timeCall, { kind: "text", text: "one answer for all three" });
    // The turn is running (its first model call is out) while the next two messages arrive.
    const gate = w.hold(1);
    const session = await w.message("s", "first question");
    await w.waitForRequests(1);
    for (const text of ["second thought", "third thought"]) {
      const { result } = await w.say("s", text);
      expect(result).toMatchObject({ status: "accepted", sessionId: session, queued: true });
    }
    await w.channel.waitFor((sends) => sends.some((send) => send.text === queuedNotices.steer));
    gate.open();
    const rows = await w.waitSettled(session);

    expect(w.h.fake.requests).toHaveLength(2);
    const second = w.h.fake.requests[1]?.messages ?? [];
    const toolAt = second.findIndex((message) => message.role === "tool");
    expect(toolAt).toBeGreaterThan(0);
    expect(second.slice(toolAt + 1).map((message) => [message.role, message.content])).toEqual([
      ["user", "second thought"],
      ["user", "third thought"],
    ]);
    expect(userTexts(w.h.fake.requests[1])).toEqual(["first question", "second thought", "third thought"]);

    expect(await w.answerRows(session)).toEqual(["one answer for all three"]);
    expect(w.texts()).toEqual([queuedNotices.steer, "one answer for all three"]);
    const turns = w.turns(session);
    expect(turns.map((turn) => turn.state)).toEqual(["completed"]);
    expect(rows.map((row) => [row.text, row.state, row.turnId])).toEqual([
      ["first question", "answered", turns[0]?.id],
      ["second thought", "answered", turns[0]?.id],
      ["third thought", "answered", turns[0]?.id],
    ]);
    // The transcript keeps them where the model saw them: after the tool result, before the answer.
    const kinds = (await w.h.store.transcript.list(session)).map((entry) => `${entry.kind}:${entry.content}`);
    expect(kinds.slice(-3)).toEqual([
      "user:second thought",
      "user:third thought",
      "assistant:one answer for all three",
    ]);
  });

  it("holds messages sent during a model call until the next tool boundary", async () => {
    const w = await world({ mode: "steer" });
    w.h.fake.reply(timeCall, timeCall, { kind: "text", text: "done" });
    // The second model call is out when the message arrives: it must not see it; the third must.
    const gate = w.hold(2);
    const session = await w.message("s", "first question");
    await w.waitForRequests(2);
    await w.message("s", "late detail");
    gate.open();
    await w.waitSettled(session);

    expect(w.h.fake.requests).toHaveLength(3);
    expect(userTexts(w.h.fake.requests[1])).toEqual(["first question"]);
    const third = w.h.fake.requests[2]?.messages ?? [];
    expect(third.at(-1)).toMatchObject({ role: "user", content: "late detail" });
    expect(third.at(-2)?.role).toBe("tool");
    expect(await w.answerRows(session)).toEqual(["done"]);
    expect(w.turns(session).map((turn) => turn.state)).toEqual(["completed"]);
  });

  it("starts the next turn with queued messages when the turn ends before any tool boundary", async () => {
    const w = await world({ mode: "steer" });
    const gate = w.hold(1);
    const session = await w.message("s", "plain question");
    await w.waitForRequests(1);
    await w.message("s", "and another");
    await w.message("s", "and a third");
    gate.open();
    const rows = await w.waitSettled(session);

    expect(w.h.fake.requests).toHaveLength(2);
    expect(userTexts(w.h.fake.requests[0])).toEqual(["plain question"]);
    expect(userTexts(w.h.fake.requests[1])).toEqual(["plain question", "and another", "and a third"]);
    expect(await w.answerRows(session)).toEqual(["echo: plain question", "echo: and a third"]);
    const turns = w.turns(session);
    expect(turns.map((turn) => turn.state)).toEqual(["completed", "completed"]);
    expect(rows.map((row) => row.turnId)).toEqual([turns[0]?.id, turns[1]?.id, turns[1]?.id]);
  });
});
