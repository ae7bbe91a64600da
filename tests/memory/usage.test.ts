import { describe, expect, it } from "vitest";
import { pricingFrom } from "../../src/memory/pricing.js";
import { controlWorlds } from "../control/control-world.js";
import { withMemory } from "./memory-world.js";

const world = controlWorlds();

/** $1 a prompt token and $2 a completion token: the fake's text answers (12 in, 7 out) cost $26. */
const models = { "fake-model": { input_usd_per_million: 1e6, output_usd_per_million: 2e6, vision: false } };
const pricing = pricingFrom(models);
const DAY = 24 * 3600 * 1000;

describe("usage", () => {
  it("records an estimated cost per turn and sums it per session, user, Expert and trigger", async () => {
    const w = await world({ pricing, turnContext: withMemory({ models }), experts: [{ name: "analyst" }] });
    const a = await w.message("a", "hello");
    await w.waitSettled(a);
    await w.waitSettled(await w.message("a", "again"));
    const b = await w.message("b", "+analyst hi", { sender: "user2" });
    await w.waitSettled(b);
    const usage = w.h.store.usage;
    await usage.record({
      sessionId: null,
      turnId: null,
      expert: "default",
      model: "unknown-model",
      userId: "fake:user2",
      promptTokens: 5,
      completionTokens: 5,
      estimated: true,
    });
    const trigger = await w.h.store.sessions.create({
      channel: "fake",
      conversationKey: "fake:digest",
      expert: "default",
      origin: "trigger",
      owner: "daily-digest",
    });
    await usage.record({
      sessionId: trigger.id,
      turnId: null,
      expert: "default",
      model: "fake-model",
      promptTokens: 1,
      completionTokens: 1,
      estimated: false,
    });
    await usage.record({
      sessionId: null,
      turnId: null,
      expert: "default",
      model: "fake-model",
      triggerName: "deploy-failed",
      promptTokens: 2,
      completionTokens: 0,
      estimated: false,
    });

    const bySession = await usage.sums("session");
    expect(bySession.find((s) => s.key === a)).toMatchObject({
      turns: 2,
      promptTokens: 24,
      completionTokens: 14,
      costUsd: 52,
      unpriced: 0,
    });
    expect(bySession.find((s) => s.key === b)).toMatchObject({ turns: 1, costUsd: 26 });
    const byUser = await usage.sums("user");
    expect(byUser.find((s) => s.key === "fake:user1")).toMatchObject({ turns: 2, costUsd: 52 });
    expect(byUser.find((s) => s.key === "fake:user2")).toMatchObject({
      turns: 1,
      calls: 2,
      costUsd: 26,
      unpriced: 1,
      estimated: true,
    });
    const byExpert = await usage.sums("expert");
    expect(byExpert.find((s) => s.key === "analyst")).toMatchObject({ turns: 1, costUsd: 26 });
    expect(byExpert.find((s) => s.key === "default")).toMatchObject({ costUsd: 52 + 3 + 2 });
    expect(await usage.sums("trigger")).toEqual([
      expect.objectContaining({ key: "daily-digest", costUsd: 3 }),
      expect.objectContaining({ key: "deploy-failed", costUsd: 2 }),
    ]);
    expect(await usage.sums("session", { since: w.h.clock.now() + 1000 })).toEqual([]);

    expect(await w.command("a", "/status")).toContain("Tokens: 24 in, 14 out · about $52.00");
  });

  it("a spent daily budget refuses the next turn with a clear message until the day ends", async () => {
    const w = await world({ pricing, turnContext: withMemory({ models, budgets: { per_user: { daily_usd: 20 } } }) });
    w.h.clock.advance(Date.UTC(2030, 0, 15, 12) - w.h.clock.now());
    const session = await w.message("a", "first");
    await w.waitSettled(session);
    expect(w.h.fake.requests).toHaveLength(1);
    const { id } = await w.say("a", "second");
    await w.waitSettled(session);
    expect(w.replyTo(id)).toBe(
      "You used today's budget ($26.00 of $20.00), so I won't answer until it renews at 00:00 UTC.",
    );
    expect(w.h.fake.requests).toHaveLength(1);
    // Someone else still gets answers.
    await w.waitSettled(await w.message("b", "mine", { sender: "user2" }));
    expect(w.h.fake.requests).toHaveLength(2);

    w.h.clock.advance(DAY / 2);
    const { id: next } = await w.say("a", "next day");
    await w.waitSettled(session);
    expect(w.replyTo(next)).toBe("echo: next day");
  });

  it("a trigger's monthly budget refuses its runs until the month ends", async () => {
    const w = await world({
      pricing,
      turnContext: withMemory({
        models,
        triggers: [
          {
            name: "digest",
            prompt: "x",
            destination: "none",
            archive: "on_finish",
            approvals: "deny",
            budget: { monthly_usd: 30 },
          },
        ],
      }),
    });
    w.h.clock.advance(Date.UTC(2030, 5, 20) - w.h.clock.now());
    const trigger = await w.h.store.sessions.create({
      channel: "fake",
      conversationKey: "fake:t",
      expert: "default",
      origin: "trigger",
      owner: "digest",
    });
    await w.h.store.usage.record({
      sessionId: trigger.id,
      turnId: null,
      expert: "default",
      model: "fake-model",
      promptTokens: 20,
      completionTokens: 5,
      estimated: false,
    });
    const { id } = await w.say("t", "run the digest");
    await w.waitSettled(trigger.id);
    expect(w.replyTo(id)).toBe(
      "Trigger digest used this month's budget ($30.00 of $30.00), so I won't answer until it renews on 2030-07-01 (UTC).",
    );
    expect(w.h.fake.requests).toHaveLength(0);
  });
});
