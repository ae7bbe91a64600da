import type { SearchHit, Session, TranscriptEntry, UsageTotals } from "../store/types.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A session as the CLI's JSON shows it (snake_case, ISO times). */
export function sessionJson(session: Session) {
  return {
    id: session.id,
    title: session.title,
    channel: session.channel,
    conversation_key: session.conversationKey,
    expert: session.expert,
    state: session.state,
    origin: session.origin,
    owner: session.owner,
    mode: session.mode,
    created_at: iso(session.createdAt),
    updated_at: iso(session.updatedAt),
    archived_at: iso(session.archivedAt),
  };
}

export function entryJson(entry: TranscriptEntry) {
  return {
    id: entry.id,
    turn_id: entry.turnId,
    kind: entry.kind,
    content: entry.content,
    tool_name: entry.toolName,
    tool_call_id: entry.toolCallId,
    tool_ok: entry.toolOk,
    sender_id: entry.senderId,
    sender_name: entry.senderName,
    platform_message_id: entry.platformMessageId,
    expert: entry.expert,
    created_at: iso(entry.createdAt),
  };
}

export function usageJson(usage: UsageTotals) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    estimated: usage.estimated,
  };
}

export function hitJson(hit: SearchHit) {
  return {
    ...sessionJson(hit.session),
    message_id: hit.messageId,
    kind: hit.kind,
    snippet: hit.snippet,
    rank: hit.rank,
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Aligned columns for people; `--json` is for programs. */
export function printTable(rows: string[][]): void {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  for (const row of rows) {
    process.stdout.write(
      `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}\n`,
    );
  }
}

export function shortDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
