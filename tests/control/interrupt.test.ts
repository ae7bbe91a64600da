import { describe, expect, it } from "vitest";
import { queuedNotices } from "../../src/gateway/intake.js";
import { waitUntil } from "../fakes/fake-channel.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { controlWorlds } from "./control-world.js";

const world = controlWorlds();

const pieces = Array.from({ length: 60 }, (_, i) => `part${i} `);
const slowAnswer = { kind: "text", text: pieces.join(""), pieces, delayMs: 30 } as const;

describe("interrupt mode", () => {
  it("cancels the running turn, marks what was shown, and answers everything in the next turn", async () => {
    const w = await world({ mode: "interrupt", channel: { limits: { previews: true, editIntervalMs: 50 } } });
    w.h.fake.reply(slowAnswer, { kind: "text", text: "the answer to both" });
    const session = await w.message("i", "tell me a long story");
    // The preview is up and the model is still streaming.
    await w.channel.waitFor((sends) => sends.length === 1);
    const previewId = w.channel.sends[0]?.messageId ?? "";
    expect(w.h.fake.active.size).toBe(1);

    const { result } = await w.say("i", "actually, make it short");
    expect(result).toMatchObject({ status: "accepted", sessionId: session, queued: true });
    const turns = await w.waitForTurns(session, ["interrupted", "completed"]);
    const rows = await w.waitSettled(session);

    // The streamed answer stopped long before its end.
    expect(w.h.fake.requests).toHaveLength(2);
    const shown = w.channel.messages.get(previewId) ?? "";
    expect(shown).toMatch(/\n\n\(interrupted\)$/);
    const partial = shown.replace(/\n\n\(interrupted\)$/, "");
    expect(partial.length).toBeGreaterThan(0);
    expect(slowAnswer.text.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(slowAnswer.text.trim().length);

    // The transcript keeps the partial text, marked, before the second question.
    const transcript = await w.h.store.transcript.list(session);
    const marked = transcript.find((entry) => entry.kind === "assistant" && entry.turnId === turns[0]?.id);
    expect(marked?.content).toBe(`${partial}\n\n[interrupted by the user]`);
    // Neither user message is copied twice.
    expect(transcript.filter((entry) => entry.kind === "user").map((entry) => entry.content)).toEqual([
      "tell me a long story",
      "actually, make it short",
    ]);

    // The next turn sees both questions (and the marked partial answer) and answers once.
    const next = w.h.fake.requests[1];
    expect(userTexts(next)).toEqual(["tell me a long story", "actually, make it short"]);
    expect(next?.messages.some((m) => m.role === "assistant" && m.content === marked?.content)).toBe(true);
    expect(await w.answerRows(session)).toEqual(["the answer to both"]);
    expect(w.texts()).toContain(queuedNotices.interrupt);
    // Shown once (sent, or edited into the second turn's own preview).
    expect([...w.channel.messages.values()].filter((text) => text === "the answer to both")).toHaveLength(1);
    expect(rows.map((row) => [row.state, row.turnId])).toEqual([
      ["answered", turns[1]?.id],
      ["answered", turns[1]?.id],
    ]);
    expect(turns[0]?.error).toBe("interrupted");
  });

  it("marks a preview that reached the channel's length limit, within the limit", async () => {
    const limits = { previews: true, editIntervalMs: 30, maxMessageLength: 200 };
    const w = await world({ mode: "interrupt", channel: { limits } });
    const long = Array.from({ length: 80 }, (_, i) => `piece${String(i).padStart(2, "0")} `);
    w.h.fake.reply({ kind: "text", text: long.join(""), pieces: long, delayMs: 10 });
    const session = await w.message("i", "go on and on");
    // The preview is full: the streamed text is longer than a message may be.
    await waitUntil(() => /[^ ]…$/.test(w.channel.messages.get(w.channel.sends[0]?.messageId ?? "") ?? ""));
    const previewId = w.channel.sends[0]?.messageId ?? "";
    await w.say("i", "enough");
    expect((await w.waitForEndedTurns(session, 2)).map((turn) => turn.state)).toEqual(["interrupted", "completed"]);
    await waitUntil(async () =>
      (await w.h.store.outbox.list()).every((row) => row.state === "delivered" || row.state === "failed"),
    );

    const failed = (await w.h.store.outbox.list()).filter((row) => row.state === "failed");
    expect(failed.map((row) => `${row.kind}: ${row.error}`)).toEqual([]);
    const shown = w.channel.messages.get(previewId) ?? "";
    expect(shown).toMatch(/\(interrupted\)$/);
    expect(shown.length).toBeLessThanOrEqual(limits.maxMessageLength);
  });

  it("does not interrupt when nothing runs: a message to an idle session just starts a turn", async () => {
    const w = await world({ mode: "interrupt" });
    const session = await w.message("i", "hello");
    await w.waitSettled(session);
    await w.message("i", "again");
    await waitUntil(() => w.texts().includes("echo: again"));
    expect(w.turns(session).map((turn) => turn.state)).toEqual(["completed", "completed"]);
    expect(w.texts()).toEqual(["echo: hello", "echo: again"]);
  });
});
