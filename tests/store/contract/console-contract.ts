import { describe, expect, it } from "vitest";
import { accept, accepted, claimOptions, createChat, scope } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

const HOUR = 3600_000;

/** The operator console's state and views: cookie sessions, sign-in attempts, the audit log, sharing and live queues. */
export function consoleContract(c: ContractContext): void {
  describe("console", () => {
    it("keeps a cookie session until it expires or is closed, and prunes expired ones", async () => {
      const now = c.clock.read();
      const session = { tokenHash: "h1", operator: "ann", csrf: "c1", createdAt: now, expiresAt: now + HOUR };
      await c.store.console.openSession(session);
      await c.store.console.openSession({ ...session, tokenHash: "h2", expiresAt: now + 10 });
      expect(await c.store.console.findSession("h1", now + 1)).toEqual(session);
      expect(await c.store.console.findSession("h2", now + 10)).toBeUndefined();
      expect(await c.store.console.findSession("nope", now)).toBeUndefined();
      expect(await c.store.console.prune(now + 10, 0)).toBe(1);
      expect(await c.store.console.closeSession("h1")).toBe(true);
      expect(await c.store.console.closeSession("h1")).toBe(false);
      expect(await c.store.console.findSession("h1", now + 1)).toBeUndefined();
    });

    it("counts a client's failed sign-ins since a time, and forgets old attempts", async () => {
      const start = c.clock.read();
      await c.store.console.recordSignIn("10.0.0.1", false);
      await c.store.console.recordSignIn("10.0.0.1", true);
      await c.store.console.recordSignIn("10.0.0.2", false);
      c.clock.advance(HOUR);
      const later = c.clock.read();
      await c.store.console.recordSignIn("10.0.0.1", false);
      expect(await c.store.console.failedSignIns("10.0.0.1", start)).toBe(2);
      expect(await c.store.console.failedSignIns("10.0.0.1", later)).toBe(1);
      expect(await c.store.console.failedSignIns("10.0.0.3", start)).toBe(0);
      expect(await c.store.console.prune(later, later)).toBe(3);
      expect(await c.store.console.failedSignIns("10.0.0.1", start)).toBe(1);
    });

    it("appends to the audit log and reads it newest first, page by page", async () => {
      const first = await c.store.console.audit({
        actor: "console:ann",
        action: "session.archive",
        target: "s_1",
        detail: null,
      });
      const second = await c.store.console.audit({
        actor: "telegram:7",
        action: "chat.share",
        target: "s_2",
        detail: "shared",
      });
      expect(first).toMatchObject({ actor: "console:ann", action: "session.archive", target: "s_1", detail: null });
      expect(second.id).toBeGreaterThan(first.id);
      expect(second.at).toBeGreaterThan(first.at);
      expect((await c.store.console.auditLog({ limit: 10 })).map((e) => e.id)).toEqual([second.id, first.id]);
      expect(await c.store.console.auditLog({ limit: 10, beforeId: second.id })).toEqual([first]);
      expect(await c.store.console.auditLog({ limit: 1 })).toEqual([second]);
    });

    it("marks a session private or shared, and back to as its conversation is", async () => {
      const session = await createChat(c.store, "telegram:-5");
      expect(session.sharing).toBeNull();
      expect((await c.store.sessions.setSharing(session.id, "private")).sharing).toBe("private");
      expect((await c.store.sessions.get(session.id))?.sharing).toBe("private");
      expect((await c.store.sessions.setSharing(session.id, "shared")).sharing).toBe("shared");
      expect((await c.store.sessions.setSharing(session.id, null)).sharing).toBeNull();
      await expect(c.store.sessions.setSharing("s_missing", "private")).rejects.toThrow(/no session/);
    });

    it("lists sessions by Expert and owner", async () => {
      const ann = await createChat(c.store, "telegram:1", { owner: "telegram:ann", expert: "coder" });
      await createChat(c.store, "telegram:2", { owner: "telegram:bob" });
      const states = ["active", "inactive", "archived"] as const;
      expect((await c.store.sessions.list({ states: [...states], owner: "telegram:ann" })).map((s) => s.id)).toEqual([
        ann.id,
      ]);
      expect((await c.store.sessions.list({ states: [...states], expert: "coder" })).map((s) => s.id)).toEqual([
        ann.id,
      ]);
      expect(await c.store.sessions.list({ states: [...states], expert: "coder", owner: "telegram:bob" })).toEqual([]);
    });

    it("shows running turns and waiting messages of every session, oldest first", async () => {
      const first = accepted(await accept(c.store, "telegram:1", "one"));
      const claimed = await c.store.queue.claim(first.session.id, claimOptions("proc-a"));
      if (!claimed) throw new Error("nothing claimed");
      const waiting = accepted(await accept(c.store, "telegram:1", "two"));
      const other = accepted(await accept(c.store, "telegram:2", "three"));
      expect(await c.store.turns.running(10)).toEqual([
        {
          turnId: claimed.turn.id,
          sessionId: first.session.id,
          expert: "default",
          model: claimed.turn.model,
          startedAt: claimed.turn.startedAt,
          owner: "proc-a",
        },
      ]);
      expect((await c.store.queue.waiting(10)).map((row) => row.id)).toEqual([waiting.inboundId, other.inboundId]);
      expect((await c.store.queue.waiting(1)).map((row) => row.text)).toEqual(["two"]);
      await c.store.turns.finish(claimed.turn.id, "completed");
      expect(await c.store.turns.running(10)).toEqual([]);
    });

    it("lists troubled outbox rows, retries them now and gives waiting ones up", async () => {
      const reply = (text: string) => ({
        sessionId: null,
        channel: "telegram",
        conversationKey: `telegram:${text}`,
        kind: "answer" as const,
        text,
      });
      const fresh = await c.store.outbox.enqueue(reply("fresh"));
      const erring = await c.store.outbox.enqueue(reply("erring"));
      const failed = await c.store.outbox.enqueue(reply("failed"));
      await c.store.outbox.retryAt(erring, c.clock.now + HOUR, "HTTP 502", true);
      await c.store.outbox.markFailed(failed, "chat not found");
      const stuckBefore = c.clock.read();
      const old = await c.store.outbox.enqueue(reply("old"));
      expect((await c.store.outbox.troubled(0, 10)).map((row) => row.id)).toEqual([erring, failed]);
      expect((await c.store.outbox.troubled(stuckBefore, 10)).map((row) => row.id)).toEqual([fresh, erring, failed]);
      expect(await c.store.outbox.retryNow(failed)).toBe(true);
      expect(await c.store.outbox.get(failed)).toMatchObject({ state: "pending" });
      expect(await c.store.outbox.giveUp(old, "given up by ann")).toBe(true);
      expect(await c.store.outbox.get(old)).toMatchObject({ state: "failed", error: "given up by ann" });
      expect(await c.store.outbox.giveUp(old, "again")).toBe(false);
      const [due] = (await c.store.outbox.claim("proc-a", scope, 60_000, 10)).filter((row) => row.id === failed);
      expect(due?.id).toBe(failed);
      expect(await c.store.outbox.retryNow(failed)).toBe(false);
      // Being sent: neither retried nor given up under the sender's feet.
      expect(await c.store.outbox.giveUp(failed, "given up")).toBe(false);
      await c.store.outbox.markDelivered(fresh);
      expect(await c.store.outbox.retryNow(fresh)).toBe(false);
      expect(await c.store.outbox.retryNow(987_654)).toBe(false);
    });
  });
}
