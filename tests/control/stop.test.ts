import { describe, expect, it } from "vitest";
import { userTexts } from "../gateway/gateway-harness.js";
import { controlWorlds } from "./control-world.js";

const world = controlWorlds();

const pieces = Array.from({ length: 60 }, (_, i) => `word${i} `);
const slowAnswer = { kind: "text", text: pieces.join(""), pieces, delayMs: 30 } as const;

describe("/stop", () => {
  it("stops a streaming turn, keeps the partial text marked, then runs what waits", async () => {
    const w = await world({ mode: "collect", channel: { limits: { previews: true, editIntervalMs: 50 } } });
    w.h.fake.reply(slowAnswer);
    const session = await w.message("x", "write a lot");
    await w.channel.waitFor((sends) => sends.length === 1);
    const previewId = w.channel.sends[0]?.messageId ?? "";
    await w.message("x", "then this");

    const asked = Date.now();
    const reply = await w.command("x", "/stop");
    const replied = w.channel.sends.find((send) => send.text === reply)?.at ?? Number.POSITIVE_INFINITY;
    expect(reply).toMatch(/^Stopping the current answer/);
    expect(replied - asked).toBeLessThan(1000);

    const turns = await w.waitForTurns(session, ["cancelled", "completed"]);
    const rows = await w.waitSettled(session);
    const shown = w.channel.messages.get(previewId) ?? "";
    expect(shown).toMatch(/\n\n\(stopped\)$/);
    const partial = shown.replace(/\n\n\(stopped\)$/, "");
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(slowAnswer.text.trim().length);
    expect(slowAnswer.text.startsWith(partial)).toBe(true);
    expect(turns[0]?.error).toBe("stopped");

    const transcript = await w.h.store.transcript.list(session);
    expect(transcript.find((entry) => entry.turnId === turns[0]?.id && entry.kind === "assistant")?.content).toBe(
      `${partial}\n\n[stopped by the user]`,
    );
    // The stopped message counts as answered; the waiting one got its own turn and answer.
    expect(rows.map((row) => [row.text, row.state, row.turnId])).toEqual([
      ["write a lot", "answered", turns[0]?.id],
      ["then this", "answered", turns[1]?.id],
    ]);
    expect(userTexts(w.h.fake.requests[1])).toEqual(["write a lot", "then this"]);
    expect([...w.channel.messages.values()]).toContain("echo: then this");
    expect(await w.answerRows(session)).toEqual(["echo: then this"]);
  });

  it('says "Stopped." when nothing was shown yet (previews off), then answers the waiting message', async () => {
    const w = await world({ mode: "collect" });
    const gate = w.hold(1);
    const session = await w.message("x", "slow one");
    await w.waitForRequests(1);
    const first = (await w.inbound(session))[0]?.platformMessageId ?? "";
    await w.message("x", "next one");

    expect(await w.command("x", "/stop")).toMatch(/^Stopping the current answer/);
    const turns = await w.waitForTurns(session, ["cancelled", "completed"]);
    await w.waitSettled(session);
    gate.open();

    expect(w.replyTo(first)).toBe("Stopped.");
    expect(w.texts()).toContain("echo: next one");
    expect(w.texts().filter((text) => text.startsWith("echo: slow one"))).toEqual([]);
    expect((await w.inbound(session)).map((row) => [row.state, row.turnId])).toEqual([
      ["answered", turns[0]?.id],
      ["answered", turns[1]?.id],
    ]);
    // Nothing was streamed, so nothing is kept as a partial answer.
    const transcript = await w.h.store.transcript.list(session);
    expect(transcript.filter((entry) => entry.turnId === turns[0]?.id).map((entry) => entry.kind)).toEqual(["user"]);
  });

  it('answers "Nothing is running." with no session and with an idle one', async () => {
    const w = await world();
    expect(await w.command("x", "/stop")).toBe("Nothing is running.");
    const session = await w.message("x", "hi");
    await w.waitSettled(session);
    expect(await w.command("x", "/stop")).toBe("Nothing is running.");
    expect(w.turns(session).map((turn) => turn.state)).toEqual(["completed"]);
  });

  it("keeps the tokens a stopped turn already used", async () => {
    const w = await world();
    // Step 1 (a tool call) completes and reports 10 + 5 tokens; the turn is stopped during step 2.
    w.h.fake.reply({ kind: "tools", calls: [{ name: "current_time", arguments: "{}" }] });
    const gate = w.hold(2);
    const session = await w.message("x", "what time is it?");
    await w.waitForRequests(2);
    await w.command("x", "/stop");
    await w.waitForTurns(session, ["cancelled"]);
    gate.open();
    const totals = await w.h.store.usage.totalsForSession(session);
    expect(totals.promptTokens).toBeGreaterThanOrEqual(10);
    expect(totals.completionTokens).toBeGreaterThanOrEqual(5);
    expect((await w.command("x", "/status")).split("\n").at(-1)).not.toBe("Tokens: 0 in, 0 out");
  });
});
