import { describe, expect, it } from "vitest";
import { accept, accepted, claimOptions, scope } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

/** Leases on running turns: taken, renewed, expired and taken over. */
export function leaseContract(c: ContractContext): void {
  async function runningTurn(owner = "proc-a", leaseMs = 1_000) {
    const session = accepted(await accept(c.store, "telegram:1", "hello")).session;
    const claimed = await c.store.queue.claim(session.id, claimOptions(owner, leaseMs));
    if (!claimed) throw new Error("nothing claimed");
    return claimed;
  }

  describe("leases", () => {
    it("takes a lease with a claim; the turn counts as abandoned only once the lease ran out", async () => {
      const { turn } = await runningTurn("proc-a", 1_000);
      expect(await c.store.leases.leaseOwners()).toEqual(["proc-a"]);
      expect(await c.store.leases.abandoned(scope)).toEqual([]);
      c.clock.advance(2_000);
      expect(await c.store.leases.abandoned(scope)).toEqual([turn.id]);
      expect(await c.store.leases.abandoned({ channels: ["slack"] })).toEqual([]);
    });

    it("renews the leases of a living process", async () => {
      await runningTurn("proc-a", 1_000);
      c.clock.advance(800);
      await c.store.leases.renewLeases("proc-a", 1_000);
      c.clock.advance(800);
      expect(await c.store.leases.abandoned(scope)).toEqual([]);
      await c.store.leases.renewLeases("proc-b", 1_000);
      c.clock.advance(800);
      expect(await c.store.leases.abandoned(scope)).toHaveLength(1);
    });

    it("lets another process take over an expired turn once, counting the attempt, with its preview", async () => {
      const { turn, session } = await runningTurn("proc-a", 1_000);
      await c.store.leases.setPreview(turn.id, "m-7", "partial answer");
      expect(await c.store.leases.reclaim(turn.id, "proc-b", 1_000)).toBeUndefined();
      c.clock.advance(2_000);
      const taken = await c.store.leases.reclaim(turn.id, "proc-b", 60_000);
      expect(taken).toMatchObject({
        resumed: true,
        session: { id: session.id },
        turn: { id: turn.id, attempts: turn.attempts + 1 },
        previewMessageId: "m-7",
        previewText: "partial answer",
        streamMessageId: null,
      });
      expect(taken?.inbound.map((row) => row.text)).toEqual(["hello"]);
      expect(await c.store.leases.reclaim(turn.id, "proc-c", 60_000)).toBeUndefined();
      expect(await c.store.leases.leaseOwners()).toEqual(["proc-b"]);
      expect(await c.store.queue.cancelRequests("proc-b")).toEqual([]);
    });

    it("hands the native stream a dead process left open to the process that takes the turn over", async () => {
      const { turn } = await runningTurn("proc-a", 1_000);
      await c.store.leases.setStream(turn.id, "1700000000.000900");
      c.clock.advance(2_000);
      const taken = await c.store.leases.reclaim(turn.id, "proc-b", 1_000);
      expect(taken?.streamMessageId).toBe("1700000000.000900");
      // Once stopped, it is forgotten: the next takeover finds none.
      await c.store.leases.setStream(turn.id, null);
      c.clock.advance(2_000);
      expect((await c.store.leases.reclaim(turn.id, "proc-c", 1_000))?.streamMessageId).toBeNull();
    });

    it("expires the leases of owners known to be gone, at once", async () => {
      const { turn } = await runningTurn("proc-a", 60_000);
      await c.store.leases.expireLeases([]);
      expect(await c.store.leases.abandoned(scope)).toEqual([]);
      await c.store.leases.expireLeases(["proc-a"]);
      c.clock.advance(1);
      expect(await c.store.leases.abandoned(scope)).toEqual([turn.id]);
    });

    it("releases a turn to the queue, at once or later, refunding the attempt when asked", async () => {
      const { turn } = await runningTurn("proc-a", 60_000);
      await c.store.leases.release(turn.id, { afterMs: 5_000 });
      expect(await c.store.leases.abandoned(scope)).toEqual([]);
      c.clock.advance(6_000);
      expect(await c.store.leases.abandoned(scope)).toEqual([turn.id]);
      const taken = await c.store.leases.reclaim(turn.id, "proc-a", 60_000);
      expect(taken?.turn.attempts).toBe(turn.attempts + 1);
      await c.store.leases.release(turn.id, { refund: true });
      const again = await c.store.leases.reclaim(turn.id, "proc-a", 60_000);
      expect(again?.turn.attempts).toBe(turn.attempts + 1);
      await c.store.turns.finish(turn.id, "completed");
      expect(await c.store.leases.leaseOwners()).toEqual([]);
    });
  });
}
