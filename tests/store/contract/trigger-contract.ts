import { describe, expect, it } from "vitest";
import type { FireInput } from "../../../src/store/trigger-repository.js";
import { claimOptions, createChat } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

const firing = (extra: Partial<FireInput> = {}): FireInput => ({
  trigger: "nightly",
  source: "schedule",
  payload: null,
  guards: ["paused", "backoff", "running"],
  session: {
    channel: "telegram",
    conversationKey: "telegram:1",
    expert: "default",
    origin: "trigger",
    owner: "nightly",
  },
  prompt: { senderId: "trigger:nightly", senderName: "nightly", text: "report" },
  ...extra,
});

const ending = {
  status: "completed" as const,
  error: null,
  archive: true,
  backoffMs: (failures: number) => failures * 60_000,
};

/** Trigger runs: firing with guards and idempotency, ending, history and state. */
export function triggerContract(c: ContractContext): void {
  describe("triggers", () => {
    it("fires: a detached session with the prompt queued, and the run recorded, once per idempotency key", async () => {
      const current = await createChat(c.store, "telegram:1");
      const { run, duplicate } = await c.store.triggers.fire(firing({ idempotencyKey: "k1", payload: '{"a":1}' }));
      expect(duplicate).toBe(false);
      expect(run).toMatchObject({
        trigger: "nightly",
        source: "schedule",
        status: "running",
        payload: '{"a":1}',
        idempotencyKey: "k1",
      });
      expect((await c.store.sessions.current("telegram:1"))?.id).toBe(current.id);
      expect((await c.store.queue.queued(run.sessionId ?? "")).map((row) => row.text)).toEqual(["report"]);
      const again = await c.store.triggers.fire(firing({ idempotencyKey: "k1" }));
      expect(again).toEqual({ run, duplicate: true });
      expect(await c.store.triggers.get(run.id)).toEqual(run);
    });

    it("records a skip when a guard holds: running, paused, backing off", async () => {
      const first = await c.store.triggers.fire(firing());
      const skipped = await c.store.triggers.fire(firing());
      expect(skipped.run).toMatchObject({ status: "skipped", sessionId: null });
      expect(skipped.run.error).toContain(first.run.id);
      expect((await c.store.triggers.fire(firing({ guards: [] }))).run.status).toBe("running");
      await c.store.triggers.setPaused("nightly", true);
      expect(await c.store.triggers.state("nightly")).toEqual({ paused: true, failures: 0, backoffUntil: null });
      expect((await c.store.triggers.fire(firing({ guards: ["paused"] }))).run.error).toBe("paused");
      await c.store.triggers.setPaused("nightly", false);
      await c.store.triggers.finish(first.run.id, { ...ending, status: "failed", error: "boom" });
      expect((await c.store.triggers.state("nightly")).failures).toBe(1);
      expect((await c.store.triggers.fire(firing({ guards: ["backoff"] }))).run.status).toBe("skipped");
      c.clock.advance(61_000);
      expect((await c.store.triggers.fire(firing({ guards: ["backoff"] }))).run.status).toBe("running");
    });

    it("lists a run as ended once its turn ended and its replies went out, and finishes it once", async () => {
      const { run } = await c.store.triggers.fire(firing());
      const sessionId = run.sessionId ?? "";
      expect(await c.store.triggers.ended()).toEqual([]);
      const claimed = await c.store.queue.claim(sessionId, claimOptions());
      const answer = {
        sessionId,
        channel: "telegram",
        conversationKey: "telegram:1",
        kind: "answer" as const,
        text: "done",
      };
      await c.store.turns.finish(claimed?.turn.id ?? 0, "completed", { answer });
      expect(await c.store.triggers.ended()).toEqual([]);
      const [row] = await c.store.outbox.list({ sessionId });
      await c.store.outbox.markDelivered(row?.id ?? 0);
      const [ended] = await c.store.triggers.ended();
      expect(ended).toMatchObject({
        run: { id: run.id },
        session: { id: sessionId },
        turn: { state: "completed" },
        result: { text: "done" },
      });
      expect(await c.store.triggers.finish(run.id, { ...ending, threadKey: "telegram:1:m-1" })).toBe(true);
      expect(await c.store.triggers.finish(run.id, ending)).toBe(false);
      expect(await c.store.sessions.get(sessionId)).toMatchObject({
        state: "archived",
        conversationKey: "telegram:1:m-1",
      });
      expect((await c.store.sessions.current("telegram:1:m-1"))?.id).toBe(sessionId);
      expect((await c.store.triggers.get(run.id))?.status).toBe("completed");
    });

    it("finishes all or nothing: a failing back-off leaves the run running and the session as it was", async () => {
      const { run } = await c.store.triggers.fire(firing());
      const failing = {
        ...ending,
        status: "failed" as const,
        error: "x",
        backoffMs: () => {
          throw new Error("no back-off");
        },
      };
      await expect(c.store.triggers.finish(run.id, failing)).rejects.toThrow("no back-off");
      expect((await c.store.triggers.get(run.id))?.status).toBe("running");
      expect((await c.store.sessions.get(run.sessionId ?? ""))?.state).toBe("active");
    });

    it("keeps a history newest first and each trigger's last run", async () => {
      const a = await c.store.triggers.fire(firing({ guards: [] }));
      const b = await c.store.triggers.fire(firing({ guards: [] }));
      const other = await c.store.triggers.fire(firing({ trigger: "hourly" }));
      expect((await c.store.triggers.history("nightly")).map((run) => run.id)).toEqual([b.run.id, a.run.id]);
      expect(await c.store.triggers.history("nightly", 1)).toHaveLength(1);
      const last = await c.store.triggers.lastRuns();
      expect(last.get("nightly")?.id).toBe(b.run.id);
      expect(last.get("hourly")?.id).toBe(other.run.id);
      expect(await c.store.triggers.get("r_missing")).toBeUndefined();
    });
  });
}
