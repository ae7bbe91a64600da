import { describe, expect, it } from "vitest";
import { countTokens } from "../../src/memory/token-counter.js";
import { compactionWorlds, pairsIntact, promptTokens } from "./compaction-world.js";

const world = compactionWorlds();

const small = (context: number, reserve = 300) => ({
  models: { "fake-model": { context_tokens: context, vision: false } },
  compaction: { auto: true, reserve_tokens: reserve, default_context_tokens: 128_000 },
});

describe("compaction", () => {
  it("fits a long session: the oldest part summarized and stored, tool pairs intact, the transcript whole", async () => {
    const w = await world(small(4000));
    const session = await w.session();
    await w.seed(session, 60, { toolEvery: 3, toolWords: 120 });
    const before = await w.store.transcript.list(session.id);

    const events = await w.turn(session, "What did we decide about the cache?");
    expect(events.at(-1)).toMatchObject({ type: "done" });
    const [request] = w.turnRequests();
    expect(request).toBeDefined();
    if (!request) return;
    expect(promptTokens(request) + 0).toBeLessThanOrEqual(4000 - 300);
    expect(pairsIntact(request)).toBe(true);
    expect(w.summaries).toBeGreaterThan(0);
    expect(request.messages[1]?.content).toMatch(/^Summary of the earlier part of this conversation:\nSummary \d+:/);
    expect(request.messages.at(-1)?.content).toBe("What did we decide about the cache?");

    const summary = await w.store.transcript.latestSummary(session.id);
    expect(summary?.entry.content).toMatch(/^Summary \d+:/);
    const after = await w.store.transcript.list(session.id);
    // Every earlier message is still there, unchanged; the turn added its question, a summary and its answer.
    expect(after.slice(0, before.length)).toEqual(before);
    expect(
      after
        .slice(before.length)
        .map((e) => e.kind)
        .sort(),
    ).toEqual(["assistant", "summary", "user"].sort());
    // The summary stands for whole units: it ends after a tool result or an answer, never between a call and its result.
    const covered = after.find((e) => e.id === summary?.coversThrough);
    expect(covered?.kind).toMatch(/^(assistant|tool_result|user)$/);
  });

  it("runs the stages in order and stops when it fits: a long tool output is cut, nothing summarized", async () => {
    const w = await world(small(3000));
    const session = await w.session();
    await w.seed(session, 3, { toolEvery: 2, toolWords: 5000 });
    await w.turn(session, "and now?");
    const [request] = w.turnRequests();
    if (!request) throw new Error("no request");
    expect(w.summaries).toBe(0);
    const tool = request.messages.find((m) => m.role === "tool");
    expect(tool?.content).toContain("tokens of this tool output cut to save context");
    expect(promptTokens(request)).toBeLessThanOrEqual(2700);
    expect(request.messages.filter((m) => m.role === "user")).toHaveLength(4);
    const stored = (await w.store.transcript.list(session.id)).find((e) => e.kind === "tool_result");
    expect(countTokens(stored?.content ?? "")).toBeGreaterThan(4000);
  });

  it("keeps a turn that grows with tool results within the budget at every step", async () => {
    const w = await world(small(5000, 500));
    w.providerLimit = 4500;
    const session = await w.session();
    await w.seed(session, 4);
    for (let part = 1; part <= 6; part++) {
      w.fake.reply({ kind: "tools", calls: [{ name: "big_report", arguments: JSON.stringify({ part }) }] });
    }
    w.fake.reply({ kind: "text", text: "All six parts read." });
    const events = await w.turn(session, "read the six parts of the report");
    expect(events.at(-1)).toMatchObject({ type: "done", text: "All six parts read." });
    const turns = w.turnRequests();
    expect(turns).toHaveLength(7);
    for (const request of turns) {
      expect(promptTokens(request)).toBeLessThanOrEqual(4500);
      expect(pairsIntact(request)).toBe(true);
    }
    const results = (await w.store.transcript.list(session.id)).filter((e) => e.kind === "tool_result");
    expect(results).toHaveLength(6);
    // Older results made room (cut or left out); the stored ones stay whole.
    const sent = (turns.at(-1)?.messages ?? []).filter((m) => m.role === "tool").map((m) => String(m.content));
    expect(sent.some((content) => content.includes("cut to save context") || content.includes("left out"))).toBe(true);
    expect(sent.join("\n")).not.toContain(results[0]?.content);
    expect(results.every((result) => countTokens(result.content) > 1000)).toBe(true);
  });

  it("a provider 'context length exceeded' error compacts the history and retries once", async () => {
    // The YAML believes in a large window; the endpoint's is smaller.
    const w = await world(small(100_000, 500));
    w.providerLimit = 2500;
    const session = await w.session();
    await w.seed(session, 40);
    const events = await w.turn(session, "still there?");
    expect(events.at(-1)).toMatchObject({ type: "done", text: "echo: still there?" });
    const turns = w.turnRequests();
    expect(turns).toHaveLength(2);
    expect(promptTokens(turns[0] ?? { model: "", messages: [] })).toBeGreaterThan(2500);
    expect(promptTokens(turns[1] ?? { model: "", messages: [] })).toBeLessThanOrEqual(2500);
    expect(w.summaries).toBeGreaterThan(0);
    expect(await w.store.transcript.latestSummary(session.id)).toBeDefined();
  });

  it("retries only once: a second overflow fails the turn with a clear error", async () => {
    const w = await world(small(100_000, 500));
    w.providerLimit = 50;
    const session = await w.session();
    await w.seed(session, 10);
    const events = await w.turn(session, "hello?");
    const last = events.at(-1);
    expect(last?.type).toBe("error");
    if (last?.type === "error") expect(last.error.code).toBe("MODEL_CONTEXT_LENGTH");
    expect(w.turnRequests()).toHaveLength(2);
  });

  it("a 500-turn session keeps answering within the model's budget", async () => {
    const w = await world(small(3000, 400));
    w.providerLimit = 3000 - 400;
    const session = await w.session();
    for (let i = 1; i <= 500; i++) {
      const events = await w.turn(session, `Turn ${i}: ${"please keep track of the release cache numbers ".repeat(6)}`);
      expect(events.at(-1), `turn ${i}`).toMatchObject({ type: "done" });
    }
    const turns = w.turnRequests();
    expect(turns).toHaveLength(500);
    expect(Math.max(...turns.map(promptTokens))).toBeLessThanOrEqual(2600);
    expect(w.summaries).toBeGreaterThan(5);
    expect((await w.store.transcript.list(session.id)).filter((e) => e.kind === "user")).toHaveLength(500);
  });
});
