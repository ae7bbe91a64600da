import { z } from "zod";
import { defineTool, type Tool } from "../agent/tools.js";
import { type Memory, memoryTypes } from "../store/memory-repository.js";
import type { Store } from "../store/store.js";
import { askerOf, noSessionResult } from "./asker.js";

const MAX_MEMORY_CHARS = 2000;

/** `m_3k2a9x · project · Deploys go out on Tuesdays.` */
export function memoryLine(memory: Memory): string {
  return `${memory.id} · ${memory.type} · ${memory.content.replace(/\s+/g, " ").trim()}`;
}

/**
 * The model's memory tools. They act for the person the turn answers, in the
 * session's workspace: `project` and `decision` notes of that workspace, and
 * that person's own `user` notes; nothing of another workspace or person.
 */
export function createMemoryTools(store: Store, isAdmin: (principal: string) => boolean): Tool[] {
  const memorySearch = defineTool({
    name: "memory_search",
    description:
      "Search long-term memories (facts and conventions of this workspace, the user's preferences, past decisions). Returns ids you can pass to memory_save to correct a memory.",
    parameters: z.object({
      query: z.string().min(1).describe("Words to look for."),
      type: z.enum(memoryTypes).optional().describe("Only memories of this type."),
      limit: z.number().int().min(1).max(20).optional(),
    }),
    async run({ query, type, limit }, context) {
      const asker = await askerOf(store, context, isAdmin);
      if (!asker) return noSessionResult;
      const hits = await store.memories.search(asker, query, { ...(type ? { type } : {}), limit: limit ?? 8 });
      if (hits.length === 0) return { ok: true, content: `No memories match "${query}".` };
      return { ok: true, content: hits.map((hit) => memoryLine(hit.memory)).join("\n") };
    },
  });

  const memorySave = defineTool({
    name: "memory_save",
    description: [
      "Save a long-term memory, or correct one by passing its id. Save only what will matter in later conversations.",
      "Types: project = a fact or convention of this workspace (team, chat) for everyone in it;",
      "user = a preference of the person you are talking to; decision = a choice that was made and why.",
      "Write one self-contained sentence or two.",
    ].join(" "),
    parameters: z.object({
      type: z.enum(memoryTypes),
      content: z.string().trim().min(1).max(MAX_MEMORY_CHARS),
      id: z.string().optional().describe("The id of a memory to replace, from memory_search or the context."),
    }),
    async run({ type, content, id }, context) {
      const asker = await askerOf(store, context, isAdmin);
      if (!asker) return noSessionResult;
      const source = {
        expert: context.expert,
        sourceSessionId: asker.session.id,
        sourceMessageId: await lastUserMessageId(store, asker.session.id),
      };
      if (id) {
        const existing = await store.memories.get(id);
        const mine =
          existing &&
          (existing.type === "user" ? existing.userId === asker.userId : existing.scope === asker.scope) &&
          (type === "user") === (existing.type === "user");
        if (!existing || !mine) return { ok: false, error: `no memory ${id} that you may change here` };
        const updated = await store.memories.update(id, { type, content, ...source });
        return updated
          ? { ok: true, content: `Updated ${memoryLine(updated)}` }
          : { ok: false, error: `memory ${id} was just deleted` };
      }
      const created = await store.memories.create({
        type,
        scope: asker.scope,
        userId: asker.userId,
        content,
        ...source,
      });
      return { ok: true, content: `Saved ${memoryLine(created)}` };
    },
  });

  return [memorySearch, memorySave];
}

async function lastUserMessageId(store: Store, sessionId: string): Promise<number | null> {
  const entries = await store.transcript.list(sessionId);
  return entries.findLast((entry) => entry.kind === "user")?.id ?? null;
}
