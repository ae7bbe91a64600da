import { describe, expect, it } from "vitest";
import { accept, accepted, claimOptions, createChat } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

/** Turns opened outside the queue (the CLI): one turn per session all the same, under a lease. */
export function turnLeaseContract(c: ContractContext): void {
  const cliTurn = (sessionId: string, owner: string, content = "question", leaseMs = 1_000) =>
    c.store.turns.startLeased({
      sessionId,
      expert: "default",
      model: "m",
      entries: [{ kind: "user", content }],
      owner,
      leaseMs,
    });

  describe("turns: leased starts", () => {
    it("opens a leased turn with its entries only while none runs, whoever started the running one", async () => {
      const session = await createChat(c.store, "telegram:1");
      const first = await cliTurn(session.id, "cli-a");
      if (!("turn" in first)) throw new Error("the idle session was busy");
      expect(first.turn).toMatchObject({ sessionId: session.id, state: "running" });
      expect(await c.store.leases.leaseOwners()).toEqual(["cli-a"]);
      expect((await c.store.transcript.list(session.id)).map((entry) => entry.turnId)).toEqual([first.turn.id]);
      expect(await cliTurn(session.id, "cli-b", "other")).toEqual({ busy: { turnId: first.turn.id, owner: "cli-a" } });
      // The queue's claim sees the CLI turn too.
      await accept(c.store, "telegram:1", "from chat");
      expect(await c.store.queue.claim(session.id, claimOptions())).toBeUndefined();
      await c.store.turns.finish(first.turn.id, "completed");
      const claimed = await c.store.queue.claim(session.id, claimOptions("proc-q"));
      expect(await cliTurn(session.id, "cli-b")).toEqual({ busy: { turnId: claimed?.turn.id, owner: "proc-q" } });
    });

    it("ends a leased turn whose process died as interrupted, but leaves a queue turn to be taken over", async () => {
      const session = await createChat(c.store, "telegram:1");
      const dead = await cliTurn(session.id, "cli-a");
      if (!("turn" in dead)) throw new Error("the idle session was busy");
      c.clock.advance(2_000);
      const next = await cliTurn(session.id, "cli-b");
      if (!("turn" in next)) throw new Error("the dead turn still held the session");
      expect(await c.store.turns.get(dead.turn.id)).toMatchObject({ state: "interrupted", error: expect.any(String) });

      const other = accepted(await accept(c.store, "telegram:2", "hello")).session;
      const queued = await c.store.queue.claim(other.id, claimOptions("proc-q", 1_000));
      c.clock.advance(2_000);
      // Its messages still wait for an answer: the lease recovery resumes it, not the CLI.
      expect(await cliTurn(other.id, "cli-c")).toEqual({ busy: { turnId: queued?.turn.id, owner: "proc-q" } });
      expect(await c.store.turns.get(queued?.turn.id ?? 0)).toMatchObject({ state: "running" });
    });
  });
}
