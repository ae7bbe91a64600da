import { describe, expect, it } from "vitest";
import type { NewMemory } from "../../../src/store/memory-repository.js";
import { createChat } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

const note = (extra: Partial<NewMemory>): NewMemory => ({
  type: "project",
  scope: "slack:T1",
  userId: null,
  expert: null,
  content: "",
  sourceSessionId: null,
  sourceMessageId: null,
  ...extra,
});

/** Memories (the visibility rule, search ranking) and session search. */
export function memoryContract(c: ContractContext): void {
  describe("memories", () => {
    it("creates, reads, updates, lists newest first and deletes notes", async () => {
      const first = await c.store.memories.create(note({ content: "deploys run on Fridays" }));
      expect(first).toMatchObject({ type: "project", scope: "slack:T1", content: "deploys run on Fridays" });
      const second = await c.store.memories.create(note({ type: "decision", content: "we chose Postgres" }));
      expect(await c.store.memories.get(first.id)).toEqual(first);
      const updated = await c.store.memories.update(first.id, {
        type: "decision",
        content: "deploys run on Mondays",
        expert: "ops",
        sourceSessionId: null,
        sourceMessageId: null,
      });
      expect(updated).toMatchObject({ id: first.id, content: "deploys run on Mondays", expert: "ops" });
      expect(
        await c.store.memories.update("m_missing", {
          type: "user",
          content: "x",
          expert: null,
          sourceSessionId: null,
          sourceMessageId: null,
        }),
      ).toBeUndefined();
      expect((await c.store.memories.list()).map((m) => m.id)).toEqual([first.id, second.id]);
      expect(await c.store.memories.list({ type: "project" })).toEqual([]);
      expect(await c.store.memories.list({ limit: 1 })).toHaveLength(1);
      expect(await c.store.memories.delete(first.id)).toBe(true);
      expect(await c.store.memories.delete(first.id)).toBe(false);
      expect(await c.store.memories.get(first.id)).toBeUndefined();
    });

    it("lets a reader see the workspace's project and decision notes and only their own user notes", async () => {
      const project = await c.store.memories.create(note({ content: "the kiln runs hot" }));
      const decision = await c.store.memories.create(note({ type: "decision", content: "kiln stays on" }));
      const mine = await c.store.memories.create(
        note({ type: "user", scope: "telegram:9", userId: "U1", content: "I like the kiln" }),
      );
      await c.store.memories.create(note({ type: "user", userId: "U2", content: "kiln notes of U2" }));
      await c.store.memories.create(note({ scope: "slack:T2", content: "another kiln workspace" }));
      const reader = { scope: "slack:T1", userId: "U1" };
      const visible = (await c.store.memories.readableBy(reader)).map((m) => m.id).sort();
      expect(visible).toEqual([project.id, decision.id, mine.id].sort());
      const found = (await c.store.memories.search(reader, "kiln")).map((hit) => hit.memory.id).sort();
      expect(found).toEqual([project.id, decision.id, mine.id].sort());
      expect(await c.store.memories.search({ scope: "slack:T1", userId: null }, "like")).toEqual([]);
      expect((await c.store.memories.search(reader, "kiln", { type: "decision" })).map((hit) => hit.memory.id)).toEqual(
        [decision.id],
      );
      expect(await c.store.memories.readableBy(reader, 1)).toHaveLength(1);
    });

    it("ranks notes matching more of the words first, and survives operators in the query", async () => {
      await c.store.memories.create(note({ content: "lantern" }));
      const both = await c.store.memories.create(note({ content: "harbour lantern" }));
      const hits = await c.store.memories.search({ scope: "slack:T1", userId: null }, "harbour lantern");
      expect(hits.map((hit) => hit.memory.id)[0]).toBe(both.id);
      expect(hits).toHaveLength(2);
      expect(hits[0]?.snippet).toContain("lantern");
      expect(await c.store.memories.search({ scope: "slack:T1", userId: null }, '" OR ( NEAR *')).toEqual([]);
      expect(await c.store.memories.search({ scope: "slack:T1", userId: null }, "lantern", { limit: 1 })).toHaveLength(
        1,
      );
    });
  });

  describe("session search", () => {
    it("finds the best message per session, needs every word by default, ranks more words first with any", async () => {
      const both = await createChat(c.store, "telegram:1");
      const one = await createChat(c.store, "telegram:2");
      await c.store.transcript.append(both.id, [
        { kind: "user", content: "the harbour lantern is lit" },
        { kind: "assistant", content: "a lantern indeed" },
      ]);
      await c.store.transcript.append(one.id, [{ kind: "user", content: "only a lantern here" }]);
      const all = await c.store.sessions.search("harbour lantern");
      expect(all.map((hit) => hit.session.id)).toEqual([both.id]);
      const any = await c.store.sessions.search("harbour lantern", { words: "any" });
      expect(any.map((hit) => hit.session.id)).toEqual([both.id, one.id]);
      expect(any[0]).toMatchObject({ kind: "user" });
      expect(any[0]?.snippet).toContain("harbour");
      expect(await c.store.sessions.search("lant")).toHaveLength(2);
      expect(await c.store.sessions.search('"(')).toEqual([]);
    });

    it("filters by archive state, channel, Expert, time and limit", async () => {
      const archived = await createChat(c.store, "telegram:1", { expert: "coder" });
      await c.store.transcript.append(archived.id, [{ kind: "user", content: "quartz" }]);
      await c.store.sessions.archive(archived.id);
      const cutoff = c.clock.now + 1;
      const live = await createChat(c.store, "telegram:2");
      await c.store.transcript.append(live.id, [{ kind: "user", content: "quartz" }]);
      expect(await c.store.sessions.search("quartz")).toHaveLength(2);
      expect((await c.store.sessions.search("quartz", { includeArchived: false })).map((h) => h.session.id)).toEqual([
        live.id,
      ]);
      expect((await c.store.sessions.search("quartz", { expert: "coder" })).map((h) => h.session.id)).toEqual([
        archived.id,
      ]);
      expect(await c.store.sessions.search("quartz", { channel: "slack" })).toEqual([]);
      expect((await c.store.sessions.search("quartz", { since: cutoff })).map((h) => h.session.id)).toEqual([live.id]);
      expect((await c.store.sessions.search("quartz", { until: cutoff })).map((h) => h.session.id)).toEqual([
        archived.id,
      ]);
      expect(await c.store.sessions.search("quartz", { limit: 1 })).toHaveLength(1);
    });
  });
}
