import { describe, expect, it } from "vitest";
import type { NewApproval } from "../../../src/store/approval-repository.js";
import type { Store } from "../../../src/store/store.js";
import { createChat } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

async function openTurn(store: Store, key: string): Promise<{ sessionId: string; turnId: number }> {
  const session = await createChat(store, key);
  const turn = await store.turns.start({ sessionId: session.id, expert: "default", model: "m", entries: [] });
  return { sessionId: session.id, turnId: turn.id };
}

const request = (at: { sessionId: string; turnId: number }, extra: Partial<NewApproval> = {}): NewApproval => ({
  ...at,
  toolCallId: "call_1",
  toolName: "files.write_file",
  summary: 'path: "a.txt"',
  decider: "telegram:42",
  expiresAt: 5_000_000,
  ...extra,
});

/** Approval requests: made once per tool call with their message, decided once, run once. */
export function approvalContract(c: ContractContext): void {
  describe("tool approvals", () => {
    it("stores a request with its message in one go; the same call asked again keeps its row", async () => {
      const at = await openTurn(c.store, "telegram:1");
      const first = await c.store.approvals.request(request(at), (id) => ({
        sessionId: at.sessionId,
        channel: "telegram",
        conversationKey: "telegram:1",
        kind: "notice",
        text: "May I?",
        buttons: [{ label: "Approve", command: `approve ${id}` }],
      }));
      expect(first.created).toBe(true);
      expect(first.approval).toMatchObject({
        sessionId: at.sessionId,
        turnId: at.turnId,
        toolCallId: "call_1",
        toolName: "files.write_file",
        summary: 'path: "a.txt"',
        decider: "telegram:42",
        state: "pending",
        always: false,
        decidedBy: null,
        expiresAt: 5_000_000,
        ranAt: null,
      });
      const outboxId = first.approval.outboxId;
      expect(outboxId).not.toBeNull();
      const shown = await c.store.outbox.get(outboxId ?? 0);
      expect(shown?.buttons).toEqual([{ label: "Approve", command: `approve ${first.approval.id}` }]);
      let asked = 0;
      const again = await c.store.approvals.request(request(at), () => {
        asked++;
        return null;
      });
      expect(again).toEqual({ approval: first.approval, created: false });
      expect(asked).toBe(0);
      expect(await c.store.approvals.forCall(at.turnId, "call_1")).toEqual(first.approval);
      expect(await c.store.approvals.forCall(at.turnId, "call_2")).toBeUndefined();
      expect(await c.store.approvals.get(first.approval.id)).toEqual(first.approval);
    });

    it("decides once: the second decision changes nothing", async () => {
      const at = await openTurn(c.store, "telegram:2");
      const { approval } = await c.store.approvals.request(request(at), () => null);
      expect(approval.outboxId).toBeNull();
      const approved = await c.store.approvals.decide(approval.id, { state: "approved", by: "telegram:42" });
      expect(approved).toMatchObject({ state: "approved", decidedBy: "telegram:42", reason: null, always: false });
      expect(approved?.decidedAt).toBeGreaterThan(approval.createdAt);
      expect(
        await c.store.approvals.decide(approval.id, { state: "denied", by: "timeout", reason: "timed out" }),
      ).toBeUndefined();
      expect((await c.store.approvals.get(approval.id))?.state).toBe("approved");
    });

    it("an approved call is marked as started once; a denied one never", async () => {
      const at = await openTurn(c.store, "telegram:3");
      const yes = (await c.store.approvals.request(request(at), () => null)).approval;
      const no = (await c.store.approvals.request(request(at, { toolCallId: "call_2" }), () => null)).approval;
      expect(await c.store.approvals.markRan(yes.id)).toBe(false);
      await c.store.approvals.decide(yes.id, { state: "approved", by: "telegram:42" });
      await c.store.approvals.decide(no.id, { state: "denied", by: "telegram:42", reason: "stopped" });
      expect(await c.store.approvals.markRan(yes.id)).toBe(true);
      expect(await c.store.approvals.markRan(yes.id)).toBe(false);
      expect(await c.store.approvals.markRan(no.id)).toBe(false);
      expect((await c.store.approvals.get(yes.id))?.ranAt).not.toBeNull();
      expect(await c.store.approvals.get(no.id)).toMatchObject({ state: "denied", reason: "stopped", ranAt: null });
    });

    it("'always allow' holds for that tool in that session only", async () => {
      const at = await openTurn(c.store, "telegram:4");
      const other = await openTurn(c.store, "telegram:5");
      const { approval } = await c.store.approvals.request(request(at), () => null);
      expect(await c.store.approvals.alwaysAllowed(at.sessionId, "files.write_file")).toBe(false);
      await c.store.approvals.decide(approval.id, { state: "approved", by: "telegram:42", always: true });
      expect(await c.store.approvals.alwaysAllowed(at.sessionId, "files.write_file")).toBe(true);
      expect(await c.store.approvals.alwaysAllowed(at.sessionId, "files.edit_file")).toBe(false);
      expect(await c.store.approvals.alwaysAllowed(other.sessionId, "files.write_file")).toBe(false);
    });

    it("lists a session's requests oldest first, or only the pending ones", async () => {
      const at = await openTurn(c.store, "telegram:6");
      const a = (await c.store.approvals.request(request(at), () => null)).approval;
      const b = (await c.store.approvals.request(request(at, { toolCallId: "call_2" }), () => null)).approval;
      await c.store.approvals.decide(a.id, { state: "denied", by: "telegram:42" });
      expect((await c.store.approvals.listOfSession(at.sessionId)).map((row) => row.id)).toEqual([a.id, b.id]);
      expect((await c.store.approvals.listOfSession(at.sessionId, { pending: true })).map((row) => row.id)).toEqual([
        b.id,
      ]);
    });
  });
}
