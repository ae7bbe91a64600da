import { describe, expect, it } from "vitest";
import type { NewOutbox } from "../../../src/store/types.js";
import { createChat, scope } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

const reply = (key: string, text: string, extra: Partial<NewOutbox> = {}): NewOutbox => ({
  sessionId: null,
  channel: "telegram",
  conversationKey: key,
  kind: "answer",
  text,
  ...extra,
});

/** Outgoing replies: claim order, leases, parts, retries and failures. */
export function outboxContract(c: ContractContext): void {
  describe("outbox", () => {
    it("stores a reply as written and lists by conversation or session", async () => {
      const session = await createChat(c.store, "telegram:1");
      const id = await c.store.outbox.enqueue(
        reply("telegram:1", "hi", {
          sessionId: session.id,
          replyToMessageId: "9",
          buttons: [{ label: "New", command: "new" }],
        }),
      );
      expect(await c.store.outbox.get(id)).toMatchObject({
        id,
        state: "pending",
        attempts: 0,
        sentParts: [],
        replyToMessageId: "9",
        buttons: [{ label: "New", command: "new" }],
        recovered: false,
      });
      await c.store.outbox.enqueue(reply("telegram:2", "other"));
      expect((await c.store.outbox.list({ sessionId: session.id })).map((row) => row.id)).toEqual([id]);
      expect(await c.store.outbox.list({ conversationKey: "telegram:2" })).toHaveLength(1);
      expect(await c.store.outbox.list()).toHaveLength(2);
      expect(await c.store.outbox.get(987_654)).toBeUndefined();
    });

    it("stores a file to upload with its caption", async () => {
      const file = {
        path: "/var/lib/gateway/files/f-1.pdf",
        name: "report.pdf",
        mimeType: "application/pdf",
        size: 1234,
      };
      const id = await c.store.outbox.enqueue(reply("telegram:1", "the report", { file }));
      expect(await c.store.outbox.get(id)).toMatchObject({ text: "the report", file });
      const plain = await c.store.outbox.enqueue(reply("telegram:1", "plain"));
      expect((await c.store.outbox.get(plain))?.file).toBeNull();
      expect((await c.store.outbox.claim("proc-a", scope, 60_000, 1))[0]?.file).toEqual(file);
    });

    it("counts the backlog: replies waiting or being sent, and when the oldest was stored", async () => {
      expect(await c.store.outbox.backlog()).toEqual({ pending: 0, oldestCreatedAt: null });
      const first = await c.store.outbox.enqueue(reply("telegram:1", "a"));
      await c.store.outbox.enqueue(reply("telegram:2", "b"));
      const delivered = await c.store.outbox.enqueue(reply("telegram:3", "c"));
      await c.store.outbox.claim("proc-a", scope, 60_000, 1);
      await c.store.outbox.markDelivered(delivered);
      const backlog = await c.store.outbox.backlog();
      expect(backlog.pending).toBe(2);
      expect(backlog.oldestCreatedAt).toBe((await c.store.outbox.get(first))?.createdAt);
    });

    it("claims the oldest unsent reply of each conversation, oldest first, up to the limit", async () => {
      const a1 = await c.store.outbox.enqueue(reply("telegram:1", "a1"));
      const b1 = await c.store.outbox.enqueue(reply("telegram:2", "b1"));
      const a2 = await c.store.outbox.enqueue(reply("telegram:1", "a2"));
      await c.store.outbox.enqueue(reply("slack:T:C", "s", { channel: "slack" }));
      expect((await c.store.outbox.claim("proc-a", scope, 60_000, 1)).map((row) => row.id)).toEqual([a1]);
      const next = await c.store.outbox.claim("proc-a", scope, 60_000, 10);
      expect(next.map((row) => row.id)).toEqual([b1]);
      expect(next[0]?.attempts).toBe(1);
      expect((await c.store.outbox.get(b1))?.state).toBe("sending");
      await c.store.outbox.markDelivered(a1);
      expect((await c.store.outbox.claim("proc-a", scope, 60_000, 10)).map((row) => row.id)).toEqual([a2]);
      expect(await c.store.outbox.claim("proc-a", { channels: [] }, 60_000, 10)).toEqual([]);
    });

    it("gives a reply left sending under an expired lease to another process, flagged recovered", async () => {
      const id = await c.store.outbox.enqueue(reply("telegram:1", "a"));
      await c.store.outbox.claim("proc-a", scope, 1_000, 10);
      expect(await c.store.leases.leaseOwners()).toEqual(["proc-a"]);
      expect(await c.store.outbox.claim("proc-b", scope, 1_000, 10)).toEqual([]);
      c.clock.advance(2_000);
      const [again] = await c.store.outbox.claim("proc-b", scope, 1_000, 10);
      expect(again).toMatchObject({ id, recovered: true, attempts: 2 });
    });

    it("records sent parts and routes replies to them back to the session", async () => {
      const session = await createChat(c.store, "telegram:1");
      const id = await c.store.outbox.enqueue(reply("telegram:1", "long", { sessionId: session.id }));
      const [row] = await c.store.outbox.claim("proc-a", scope, 60_000, 10);
      if (!row) throw new Error("nothing claimed");
      await c.store.outbox.recordPart(row, ["m-1"]);
      await c.store.outbox.recordPart(row, ["m-1", "m-2"]);
      expect((await c.store.outbox.get(id))?.sentParts).toEqual(["m-1", "m-2"]);
      expect(await c.store.outbox.sessionOfMessage("telegram", "m-2")).toBe(session.id);
      expect(await c.store.outbox.sessionOfMessage("slack", "m-2")).toBeUndefined();
      await c.store.outbox.markDelivered(id);
      expect((await c.store.outbox.get(id))?.state).toBe("delivered");
    });

    it("retries at a time (a rate limit not counted), and fails a reply for good", async () => {
      const id = await c.store.outbox.enqueue(reply("telegram:1", "a"));
      const later = await c.store.outbox.enqueue(reply("telegram:1", "b"));
      await c.store.outbox.claim("proc-a", scope, 60_000, 10);
      await c.store.outbox.retryAt(id, c.clock.now + 5_000, "429", false);
      expect(await c.store.outbox.get(id)).toMatchObject({ state: "pending", attempts: 0, error: "429" });
      expect(await c.store.outbox.claim("proc-a", scope, 60_000, 10)).toEqual([]);
      c.clock.advance(6_000);
      await c.store.outbox.claim("proc-a", scope, 60_000, 10);
      await c.store.outbox.retryAt(id, c.clock.now, "timeout", true);
      expect((await c.store.outbox.get(id))?.attempts).toBe(1);
      await c.store.outbox.claim("proc-a", scope, 60_000, 10);
      await c.store.outbox.markFailed(id, "chat gone");
      expect(await c.store.outbox.get(id)).toMatchObject({ state: "failed", error: "chat gone" });
      expect((await c.store.outbox.claim("proc-a", scope, 60_000, 10)).map((row) => row.id)).toEqual([later]);
    });

    it("stores a reply a stream showed as its one part, claimed to stop the stream, in turn with later rows", async () => {
      const id = await c.store.outbox.enqueue(reply("telegram:1", "streamed", { streamedAs: "m-5" }));
      const later = await c.store.outbox.enqueue(reply("telegram:1", "after"));
      const plain = await c.store.outbox.enqueue(reply("telegram:2", "plain"));
      expect(await c.store.outbox.get(id)).toMatchObject({ state: "pending", sentParts: ["m-5"], endsStream: true });
      expect(await c.store.outbox.get(plain)).toMatchObject({ sentParts: [], endsStream: false });
      const claimed = await c.store.outbox.claim("proc-a", scope, 60_000, 10);
      expect(claimed.map((row) => [row.id, row.endsStream])).toEqual([
        [id, true],
        [plain, false],
      ]);
      await c.store.outbox.markDelivered(id);
      expect((await c.store.outbox.claim("proc-a", scope, 60_000, 10)).map((row) => row.id)).toEqual([later]);
    });
  });
}
