import { describe, expect, it } from "vitest";
import type { ContractContext } from "./store-contract.js";

/** The shared send pace: slots handed out once each, holds that only grow, pruning. */
export function paceContract(c: ContractContext): void {
  describe("pacing", () => {
    it("hands out each slot once, an interval apart, starting now", async () => {
      const before = c.clock.now;
      const first = await c.store.pacing.reserve("telegram:1", 1000);
      expect(first).toBeGreaterThan(before);
      const slots = await Promise.all([1, 2, 3].map(() => c.store.pacing.reserve("telegram:1", 1000)));
      expect(slots.sort((a, b) => a - b)).toEqual([first + 1000, first + 2000, first + 3000]);
      expect((await c.store.pacing.state("telegram:1")).nextAt).toBe(first + 4000);
      // Another conversation has a pace of its own.
      expect(await c.store.pacing.reserve("telegram:2", 1000)).toBeLessThan(first + 1000);
    });

    it("starts from now once the pace is over", async () => {
      await c.store.pacing.reserve("telegram:1", 1000);
      c.clock.advance(60_000);
      const now = c.clock.now;
      const slot = await c.store.pacing.reserve("telegram:1", 1000);
      expect(slot).toBeGreaterThan(now);
      expect(slot).toBeLessThan(now + 10);
    });

    it("places no slot inside a hold, and never shortens a hold", async () => {
      const now = c.clock.now;
      await c.store.pacing.hold("telegram:1", now + 30_000);
      await c.store.pacing.hold("telegram:1", now + 5_000);
      expect((await c.store.pacing.state("telegram:1")).heldUntil).toBe(now + 30_000);
      expect(await c.store.pacing.reserve("telegram:1", 1000)).toBe(now + 30_000);
      expect(await c.store.pacing.reserve("telegram:1", 1000)).toBe(now + 31_000);
      expect(await c.store.pacing.state("telegram:9")).toEqual({ nextAt: 0, heldUntil: 0 });
    });

    it("forgets conversations whose pace and hold are over", async () => {
      const now = c.clock.now;
      await c.store.pacing.reserve("telegram:1", 1000);
      await c.store.pacing.hold("telegram:2", now + 100_000);
      c.clock.advance(50_000);
      expect(await c.store.pacing.prune(c.clock.now)).toBe(1);
      expect(await c.store.pacing.state("telegram:1")).toEqual({ nextAt: 0, heldUntil: 0 });
      expect((await c.store.pacing.state("telegram:2")).heldUntil).toBe(now + 100_000);
    });
  });
}
