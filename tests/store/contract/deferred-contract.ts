import { describe, expect, it } from "vitest";
import { accept, accepted, claimOptions, scope } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

/** Messages stored with what their channel fetches later (files, names), completed inside the turn. */
export function deferredContract(c: ContractContext): void {
  describe("queue: deferred look-ups", () => {
    it("keeps a message's deferred part until it is completed, then the row and its transcript carry the result", async () => {
      const outcome = accepted(await accept(c.store, "telegram:1", "look", { senderName: null, deferred: '{"f":1}' }));
      const [queued] = await c.store.queue.queued(outcome.session.id);
      expect(queued).toMatchObject({ text: "look", senderName: null, attachments: null, deferred: '{"f":1}' });
      const [sessionId] = await c.store.queue.ready(scope, 10);
      const claimed = await c.store.queue.claim(sessionId ?? "", claimOptions());
      expect(claimed?.inbound[0]?.deferred).toBe('{"f":1}');
      const attachments = JSON.stringify([
        { kind: "text", name: "a.txt", mimeType: "text/plain", size: 2, data: "hi" },
      ]);
      await c.store.queue.complete(outcome.inboundId, { text: "look\n[note]", senderName: "Ann", attachments });
      const [row] = await c.store.queue.inboundOfSession(outcome.session.id);
      expect(row).toMatchObject({ text: "look\n[note]", senderName: "Ann", attachments, deferred: null });
      const [entry] = await c.store.transcript.list(outcome.session.id);
      expect(entry).toMatchObject({ kind: "user", content: "look\n[note]", senderName: "Ann", attachments });
      // The completed text is what search finds.
      expect((await c.store.sessions.search("note")).map((hit) => hit.session.id)).toEqual([outcome.session.id]);
    });

    it("completes a message that waits (not yet in a transcript) on its row alone", async () => {
      const outcome = accepted(await accept(c.store, "telegram:1", "later", { deferred: "{}" }));
      await c.store.queue.complete(outcome.inboundId, { text: "later!", senderName: "Ann", attachments: null });
      expect(await c.store.queue.queued(outcome.session.id)).toMatchObject([{ text: "later!", deferred: null }]);
      expect(await c.store.transcript.list(outcome.session.id)).toEqual([]);
    });
  });
}
