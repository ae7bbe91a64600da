import { describe, expect, it } from "vitest";
import { Compactor } from "../../src/memory/compactor.js";
import type { Session } from "../../src/store/types.js";
import { type CompactionWorld, compactionWorlds } from "./compaction-world.js";

const world = compactionWorlds();

/** Fits the session's history into a window `slack` tokens smaller than it needs as it is. */
async function fitTighter(w: CompactionWorld, session: Session, slack: number) {
  const compactor = (context: number) =>
    new Compactor({
      store: w.store,
      client: w.deps.model,
      idleTimeoutMs: 5000,
      settings: { auto: true, reserveTokens: 0, contextTokens: () => context },
    });
  const request = {
    session,
    model: "fake-model",
    fixedTokens: 0,
    reason: "turn" as const,
    expert: "default",
    vision: false,
  };
  const whole = await compactor(10_000_000).fit(request);
  expect(whole.stages).toEqual([]);
  return compactor(whole.tokens - slack).fit(request);
}

describe("compaction stages", () => {
  it("drops repeated tool results (same call, same output) before anything else, keeping the newest", async () => {
    const w = await world({});
    const session = await w.session();
    await w.seed(session, 12, { toolEvery: 1, toolWords: 200, sameTool: true });
    const fitted = await fitTighter(w, session, 500);
    expect(fitted.stages).toEqual(["dedupe"]);
    const tools = fitted.messages.filter((m) => m.role === "tool").map((m) => m.content);
    expect(tools).toHaveLength(12);
    expect(tools.slice(0, -1).every((c) => c === "[the same result as a later call of this tool; see there]")).toBe(
      true,
    );
    expect(tools.at(-1)?.length).toBeGreaterThan(500);
    expect(w.summaries).toBe(0);
  });

  it("then prunes older tool results, failed ones first, only as many as needed", async () => {
    const w = await world({});
    const session = await w.session();
    await w.seed(session, 12, { toolEvery: 1, toolWords: 200, failAt: 9 });
    const fitted = await fitTighter(w, session, 50);
    expect(fitted.stages).toEqual(["prune"]);
    const tools = fitted.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
    const pruned = tools.flatMap((c, i) => (c === "[an older tool result, left out to save context]" ? [i] : []));
    expect(pruned).toEqual([8]);
    expect(w.summaries).toBe(0);
  });

  it("summarizes only when cutting and pruning tool results is not enough", async () => {
    const w = await world({});
    const session = await w.session();
    await w.seed(session, 12, { toolEvery: 1, toolWords: 200 });
    const fitted = await fitTighter(w, session, 3000);
    expect(fitted.stages).toEqual(["prune", "summary"]);
    // A part longer than one summary call takes is summarized in rounds, into one stored summary.
    expect(w.summaries).toBeGreaterThanOrEqual(1);
    const stored = (await w.store.transcript.list(session.id)).filter((e) => e.kind === "summary");
    expect(stored.map((e) => e.id)).toEqual([fitted.summaryId]);
    expect(fitted.tokens).toBeLessThanOrEqual(fitted.budget);
  });
});
