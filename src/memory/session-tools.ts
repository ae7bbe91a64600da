import { z } from "zod";
import { defineTool, type Tool } from "../agent/tools.js";
import { NotFoundError } from "../errors.js";
import type { Visibility } from "../gateway/visibility.js";
import type { Store } from "../store/store.js";
import type { Session, TranscriptEntry } from "../store/types.js";
import { askerOf, noSessionResult } from "./asker.js";

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}/, "must be a date like 2026-11-20")
  .refine((value) => !Number.isNaN(Date.parse(value)), "is not a valid date");

function describe(session: Session): string {
  const date = new Date(session.updatedAt).toISOString().slice(0, 10);
  const title = session.title ? ` "${oneLine(session.title, 60)}"` : "";
  return `${session.id}${title} · ${session.channel} · Expert ${session.expert} · ${session.state} · ${date}`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function line(entry: TranscriptEntry): string {
  const time = new Date(entry.createdAt).toISOString().slice(0, 16).replace("T", " ");
  switch (entry.kind) {
    case "user":
      return `[${time}] ${entry.senderName ?? entry.senderId ?? "user"}: ${entry.content}`;
    case "assistant":
      return `[${time}] assistant: ${entry.content}`;
    case "tool_call":
      return `  (tool ${entry.toolName}: ${oneLine(entry.content, 200)})`;
    case "tool_result":
      return `  (result: ${oneLine(entry.content, 300)})`;
    case "summary":
      return `[summary of what came before] ${entry.content}`;
    case "system":
      return `[note] ${entry.content}`;
  }
}

/**
 * The model's tools for past sessions. Both show only what may be quoted
 * where the turn answers (see {@link Visibility}): in a group, sessions every
 * member may read; in a private chat, what its owner may read.
 */
export function createSessionTools(
  store: Store,
  isAdmin: (principal: string) => boolean,
  visibility: Visibility,
): Tool[] {
  const sessionSearch = defineTool({
    name: "session_search",
    description:
      "Search past conversations (sessions) by text. Returns session ids with the best matching snippet, best match first; read one with session_read.",
    parameters: z.object({
      query: z.string().min(1),
      channel: z.string().optional().describe('Only sessions of this channel, e.g. "telegram" or "slack".'),
      expert: z.string().optional().describe("Only sessions of this Expert."),
      since: day.optional().describe("Only messages from this date on (YYYY-MM-DD, UTC)."),
      until: day.optional().describe("Only messages before this date (YYYY-MM-DD, UTC)."),
      limit: z.number().int().min(1).max(20).optional(),
    }),
    async run({ query, channel, expert, since, until, limit }, context) {
      const asker = await askerOf(store, context, isAdmin);
      if (!asker) return noSessionResult;
      const hits = await store.sessions.search(query, {
        words: "any",
        limit: 200,
        ...(channel ? { channel } : {}),
        ...(expert ? { expert } : {}),
        ...(since ? { since: Date.parse(since) } : {}),
        ...(until ? { until: Date.parse(until) } : {}),
      });
      const visible = (await visibility.quotable(asker.viewer, hits)).slice(0, limit ?? 8);
      if (visible.length === 0) return { ok: true, content: `No sessions match "${query}".` };
      return {
        ok: true,
        content: visible
          .map((hit) => {
            const here = hit.session.id === asker.session.id ? " (this session)" : "";
            return `${describe(hit.session)}${here}\n  ${oneLine(hit.snippet, 240)}`;
          })
          .join("\n"),
      };
    },
  });

  const sessionRead = defineTool({
    name: "session_read",
    description: "Read the transcript of a past session by its id (or an unambiguous id prefix), a page at a time.",
    parameters: z.object({
      id: z.string().min(1),
      offset: z.number().int().min(0).optional().describe("Skip this many messages (for the next page)."),
      limit: z.number().int().min(1).max(100).optional(),
    }),
    async run({ id, offset, limit }, context) {
      const asker = await askerOf(store, context, isAdmin);
      if (!asker) return noSessionResult;
      let session: Session;
      try {
        session = await store.sessions.resolve(id);
      } catch (error) {
        if (error instanceof NotFoundError) return { ok: false, error: `no session "${id}" you may see` };
        throw error;
      }
      // A session the asker may not see is reported exactly like one that does not exist.
      if (!(await visibility.mayQuote(asker.viewer, session)))
        return { ok: false, error: `no session "${id}" you may see` };
      const entries = await store.transcript.list(session.id);
      const start = offset ?? 0;
      const page = entries.slice(start, start + (limit ?? 40));
      const end = start + page.length;
      const next = end < entries.length ? ` · next page: offset ${end}` : " · end of the session";
      return {
        ok: true,
        content: [
          `${describe(session)} · messages ${page.length > 0 ? start + 1 : start}–${end} of ${entries.length}${next}`,
          ...page.map(line),
        ].join("\n"),
      };
    },
  });

  return [sessionSearch, sessionRead];
}
