import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/errors.js";
import { chatSession, createChat } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

/** Sessions, their transcript and turns, settings and access grants. */
export function sessionContract(c: ContractContext): void {
  describe("sessions", () => {
    it("creates a session as its key's current one; a newer one makes the older inactive", async () => {
      const first = await createChat(c.store, "telegram:1", { title: "hello", owner: "telegram:ann" });
      expect(first).toMatchObject({ conversationKey: "telegram:1", state: "active", title: "hello", mode: null });
      expect(await c.store.sessions.current("telegram:1")).toEqual(first);
      const second = await createChat(c.store, "telegram:1");
      expect((await c.store.sessions.current("telegram:1"))?.id).toBe(second.id);
      expect((await c.store.sessions.get(first.id))?.state).toBe("inactive");
      expect(await c.store.sessions.get("s_missing")).toBeUndefined();
    });

    it("keys a session by its own id when asked, and leaves the current one alone when detached", async () => {
      const cli = await c.store.sessions.create({
        ...chatSession,
        origin: "cli",
        conversationKey: (id) => `cli:${id}`,
      });
      expect(cli.conversationKey).toBe(`cli:${cli.id}`);
      const current = await createChat(c.store, "telegram:1");
      const detached = await createChat(c.store, "telegram:1", { detached: true, origin: "trigger" });
      expect((await c.store.sessions.current("telegram:1"))?.id).toBe(current.id);
      expect(detached.state).toBe("active");
    });

    it("resolves an id or a unique prefix, and refuses an unknown or ambiguous one", async () => {
      const session = await createChat(c.store, "telegram:1");
      expect((await c.store.sessions.resolve(session.id)).id).toBe(session.id);
      expect((await c.store.sessions.resolve(session.id.slice(0, 5))).id).toBe(session.id);
      await expect(c.store.sessions.resolve("zz-nothing")).rejects.toBeInstanceOf(NotFoundError);
      await createChat(c.store, "telegram:2");
      await expect(c.store.sessions.resolve("s")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("lists by state, channel, key and origin, newest first, up to a limit", async () => {
      const a = await createChat(c.store, "telegram:1");
      const b = await createChat(c.store, "telegram:2", { origin: "trigger" });
      const slack = await c.store.sessions.create({ ...chatSession, channel: "slack", conversationKey: "slack:T:C" });
      const all = await c.store.sessions.list({ states: ["active"] });
      expect(all.map((s) => s.id)).toEqual([slack.id, b.id, a.id]);
      expect((await c.store.sessions.list({ states: ["active"], channel: "telegram" })).map((s) => s.id)).toEqual([
        b.id,
        a.id,
      ]);
      expect((await c.store.sessions.list({ states: ["active"], conversationKey: "telegram:1" }))[0]?.id).toBe(a.id);
      expect((await c.store.sessions.list({ states: ["active"], origin: "trigger" })).map((s) => s.id)).toEqual([b.id]);
      expect(await c.store.sessions.list({ states: ["active"], limit: 1 })).toHaveLength(1);
      expect(await c.store.sessions.list({ states: ["archived"] })).toEqual([]);
    });

    it("renames, switches Expert and mode, archives and unarchives; an unknown id is NotFound", async () => {
      const session = await createChat(c.store, "telegram:1");
      expect((await c.store.sessions.rename(session.id, "plans")).title).toBe("plans");
      expect((await c.store.sessions.setExpert(session.id, "coder")).expert).toBe("coder");
      expect((await c.store.sessions.setMode(session.id, "steer")).mode).toBe("steer");
      expect((await c.store.sessions.setMode(session.id, null)).mode).toBeNull();
      const archived = await c.store.sessions.archive(session.id);
      expect(archived.state).toBe("archived");
      expect(archived.archivedAt).not.toBeNull();
      const back = await c.store.sessions.unarchive(session.id);
      expect(back).toMatchObject({ state: "active", archivedAt: null });
      const newer = await createChat(c.store, "telegram:1");
      await c.store.sessions.archive(session.id);
      expect((await c.store.sessions.unarchive(session.id)).state).toBe("inactive");
      expect((await c.store.sessions.current("telegram:1"))?.id).toBe(newer.id);
      await expect(c.store.sessions.rename("s_missing", "x")).rejects.toBeInstanceOf(NotFoundError);
      await expect(c.store.sessions.archive("s_missing")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("makes an older session current again; the previous current one becomes inactive", async () => {
      const old = await createChat(c.store, "telegram:1");
      await c.store.sessions.archive(old.id);
      const newer = await createChat(c.store, "telegram:1");
      const reopened = await c.store.sessions.makeCurrent(old.id);
      expect(reopened).toMatchObject({ id: old.id, state: "active", archivedAt: null });
      expect((await c.store.sessions.current("telegram:1"))?.id).toBe(old.id);
      expect((await c.store.sessions.get(newer.id))?.state).toBe("inactive");
    });

    it("moves a conversation with its sessions and replies; a session already at the new key becomes inactive", async () => {
      const moving = await createChat(c.store, "telegram:-1");
      const there = await createChat(c.store, "telegram:-100");
      await c.store.outbox.enqueue({
        sessionId: moving.id,
        channel: "telegram",
        conversationKey: "telegram:-1",
        kind: "answer",
        text: "hi",
      });
      await c.store.sessions.moveConversation("telegram:-1", "telegram:-100");
      expect((await c.store.sessions.current("telegram:-100"))?.id).toBe(moving.id);
      expect(await c.store.sessions.current("telegram:-1")).toBeUndefined();
      expect((await c.store.sessions.get(moving.id))?.conversationKey).toBe("telegram:-100");
      expect((await c.store.sessions.get(there.id))?.state).toBe("inactive");
      expect(await c.store.outbox.list({ conversationKey: "telegram:-100" })).toHaveLength(1);
    });

    it("deletes a session, and prunes only archived sessions archived before a time", async () => {
      const gone = await createChat(c.store, "telegram:1");
      await c.store.sessions.delete(gone.id);
      expect(await c.store.sessions.get(gone.id)).toBeUndefined();
      await expect(c.store.sessions.delete(gone.id)).rejects.toBeInstanceOf(NotFoundError);
      const old = await createChat(c.store, "telegram:2");
      await c.store.sessions.archive(old.id);
      const cutoff = c.clock.now + 10;
      c.clock.advance(100);
      const recent = await createChat(c.store, "telegram:3");
      await c.store.sessions.archive(recent.id);
      const active = await createChat(c.store, "telegram:4");
      expect((await c.store.sessions.pruneArchived(cutoff, { dryRun: true })).map((s) => s.id)).toEqual([old.id]);
      expect(await c.store.sessions.get(old.id)).toBeDefined();
      expect((await c.store.sessions.pruneArchived(cutoff)).map((s) => s.id)).toEqual([old.id]);
      expect(await c.store.sessions.get(old.id)).toBeUndefined();
      expect(await c.store.sessions.get(recent.id)).toBeDefined();
      expect(await c.store.sessions.get(active.id)).toBeDefined();
    });
  });

  describe("transcript, turns, settings and access", () => {
    it("appends entries in order and reads them back as written", async () => {
      const session = await createChat(c.store, "telegram:1");
      const written = await c.store.transcript.append(session.id, [
        { kind: "user", content: "hi", senderId: "ann", senderName: "Ann", attachments: '[{"name":"a.txt"}]' },
        { kind: "tool_result", content: "42", toolCallId: "call_1", toolName: "calc", toolOk: false, step: 1 },
        { kind: "tool_result", content: "7", toolCallId: "call_2", toolName: "calc", toolOk: true, step: 2 },
      ]);
      expect(written.map((entry) => entry.kind)).toEqual(["user", "tool_result", "tool_result"]);
      expect(written[1]?.id).toBeGreaterThan(written[0]?.id ?? Number.POSITIVE_INFINITY);
      const listed = await c.store.transcript.list(session.id);
      expect(listed).toEqual(written);
      expect(listed[0]).toMatchObject({ senderName: "Ann", attachments: '[{"name":"a.txt"}]', toolOk: null });
      expect(listed[1]).toMatchObject({ toolOk: false, toolName: "calc", toolCallId: "call_1", step: 1 });
      expect(listed[2]).toMatchObject({ toolOk: true, toolCallId: "call_2", step: 2 });
    });

    it("keeps the newest compaction summary and what it covers", async () => {
      const session = await createChat(c.store, "telegram:1");
      expect(await c.store.transcript.latestSummary(session.id)).toBeUndefined();
      const [first] = await c.store.transcript.append(session.id, [{ kind: "user", content: "a" }]);
      await c.store.transcript.appendSummary(session.id, "old summary", first?.id ?? 0);
      const [second] = await c.store.transcript.append(session.id, [{ kind: "user", content: "b" }]);
      const summary = await c.store.transcript.appendSummary(session.id, "new summary", second?.id ?? 0);
      expect(summary.kind).toBe("summary");
      expect(await c.store.transcript.latestSummary(session.id)).toEqual({ entry: summary, coversThrough: second?.id });
    });

    it("starts a turn with its entries and ends it once, with entries, usage and answer together", async () => {
      const session = await createChat(c.store, "telegram:1");
      const turn = await c.store.turns.start({
        sessionId: session.id,
        expert: "default",
        model: "m",
        entries: [{ kind: "user", content: "question" }],
      });
      expect(turn).toMatchObject({ state: "running", attempts: 1, finishedAt: null });
      expect((await c.store.transcript.list(session.id))[0]?.turnId).toBe(turn.id);
      const ending = {
        entries: [{ kind: "assistant" as const, content: "answer" }],
        usage: {
          sessionId: session.id,
          turnId: turn.id,
          expert: "default",
          model: "m",
          promptTokens: 5,
          completionTokens: 7,
          estimated: false,
        },
        answer: {
          sessionId: session.id,
          channel: "telegram",
          conversationKey: "telegram:1",
          kind: "answer" as const,
          text: "answer",
        },
      };
      expect(await c.store.turns.finish(turn.id, "completed", ending)).toBe(true);
      expect(await c.store.turns.finish(turn.id, "failed", ending)).toBe(false);
      expect((await c.store.turns.get(turn.id))?.state).toBe("completed");
      expect((await c.store.transcript.list(session.id)).map((entry) => entry.content)).toEqual(["question", "answer"]);
      expect(await c.store.usage.totalsForSession(session.id)).toEqual({
        promptTokens: 5,
        completionTokens: 7,
        estimated: false,
      });
      expect((await c.store.outbox.list({ sessionId: session.id })).map((row) => row.turnId)).toEqual([turn.id]);
      expect(await c.store.turns.get(987_654)).toBeUndefined();
    });

    it("stores, overwrites and deletes settings", async () => {
      expect(await c.store.settings.get("k")).toBeUndefined();
      await c.store.settings.set("k", "1");
      await c.store.settings.set("k", "2");
      expect(await c.store.settings.get("k")).toBe("2");
      await c.store.settings.delete("k");
      expect(await c.store.settings.get("k")).toBeUndefined();
    });

    it("grants and revokes access once each", async () => {
      expect(await c.store.access.grant("telegram:42")).toBe(true);
      expect(await c.store.access.grant("telegram:42")).toBe(false);
      await c.store.access.grant("slack:U1");
      expect(await c.store.access.anyGranted(["telegram:7", "telegram:42"])).toBe(true);
      expect(await c.store.access.anyGranted(["telegram:7"])).toBe(false);
      expect((await c.store.access.list()).map((grant) => grant.principal)).toEqual(["slack:U1", "telegram:42"]);
      expect(await c.store.access.revoke("telegram:42")).toBe(true);
      expect(await c.store.access.revoke("telegram:42")).toBe(false);
      expect(c.store.refusesWrites(new Error("an ordinary failure"))).toBe(false);
    });
  });
}
