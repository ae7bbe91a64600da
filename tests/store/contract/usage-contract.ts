import { describe, expect, it } from "vitest";
import type { UsageEntry } from "../../../src/store/types.js";
import { createChat } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

const entry = (sessionId: string | null, extra: Partial<UsageEntry> = {}): UsageEntry => ({
  sessionId,
  turnId: null,
  expert: "default",
  model: "m",
  promptTokens: 10,
  completionTokens: 5,
  estimated: false,
  ...extra,
});

/** The token ledger: totals and sums by session, user, Expert and trigger. */
export function usageContract(c: ContractContext): void {
  describe("usage", () => {
    it("totals a session and sums by group, a trigger's sessions counting for it", async () => {
      const chat = await createChat(c.store, "telegram:1");
      const run = await createChat(c.store, "telegram:2", { origin: "trigger", owner: "nightly", detached: true });
      await c.store.usage.record(entry(chat.id, { userId: "ann" }));
      await c.store.usage.record(entry(chat.id, { userId: "bob", expert: "coder", estimated: true }));
      await c.store.usage.record(entry(run.id));
      await c.store.usage.record(entry(null, { triggerName: "hourly" }));
      expect(await c.store.usage.totalsForSession(chat.id)).toEqual({
        promptTokens: 20,
        completionTokens: 10,
        estimated: true,
      });
      expect(await c.store.usage.totalsForSession("s_none")).toEqual({
        promptTokens: 0,
        completionTokens: 0,
        estimated: false,
      });
      const bySession = await c.store.usage.sums("session");
      expect(bySession.find((sum) => sum.key === chat.id)).toMatchObject({
        calls: 2,
        promptTokens: 20,
        completionTokens: 10,
        costUsd: 0,
        unpriced: 2,
        estimated: true,
      });
      expect((await c.store.usage.sums("user")).map((sum) => sum.key).sort()).toEqual([null, "ann", "bob"].sort());
      expect((await c.store.usage.sums("expert")).find((sum) => sum.key === "coder")?.calls).toBe(1);
      expect((await c.store.usage.sums("trigger")).map((sum) => sum.key).sort()).toEqual(["hourly", "nightly"]);
      expect(await c.store.usage.sums("session", { sessionId: run.id })).toHaveLength(1);
      expect(await c.store.usage.sums("session", { since: c.clock.now + 1_000 })).toEqual([]);
      expect(await c.store.usage.spent({ userId: "ann" }, 0)).toBe(0);
      expect(await c.store.usage.spent({ triggerName: "nightly" }, 0)).toBe(0);
    });
  });
}
