import { UsageError } from "../errors.js";
import type { Store } from "../store/store.js";
import type { SessionState, TranscriptEntry } from "../store/types.js";
import { approvalJson, approvalLine } from "./approval-output.js";
import { entryJson, hitJson, oneLine, printJson, printTable, sessionJson, shortDate, usageJson } from "./output.js";
import { redactArguments, shownToolName } from "./tool-call-view.js";

export interface ListOptions {
  archived?: boolean;
  all?: boolean;
  json?: boolean;
}

export async function listSessions(store: Store, options: ListOptions): Promise<void> {
  if (options.archived && options.all) throw new UsageError("use either --archived or --all");
  const states: SessionState[] = options.all
    ? ["active", "inactive", "archived"]
    : options.archived
      ? ["archived"]
      : ["active", "inactive"];
  const sessions = await store.sessions.list({ states });
  if (options.json) {
    printJson(sessions.map(sessionJson));
    return;
  }
  if (sessions.length === 0) {
    process.stdout.write(options.archived ? "no archived sessions\n" : "no sessions\n");
    return;
  }
  printTable([
    ["ID", "STATE", "CHANNEL", "EXPERT", "UPDATED", "TITLE"],
    ...sessions.map((s) => [s.id, s.state, s.channel, s.expert, shortDate(s.updatedAt), oneLine(s.title ?? "", 60)]),
  ]);
}

export async function showSession(
  store: Store,
  id: string,
  options: { json?: boolean; secrets?: readonly string[] },
): Promise<void> {
  const session = await store.sessions.resolve(id);
  const secrets = options.secrets ?? [];
  // Tool arguments may carry credentials the model was handed: never shown as stored.
  const entries = (await store.transcript.list(session.id)).map((entry) =>
    entry.kind === "tool_call" ? { ...entry, content: redactArguments(entry.content, secrets) } : entry,
  );
  const usage = await store.usage.totalsForSession(session.id);
  const summary = await store.transcript.latestSummary(session.id);
  const approvals = await store.approvals.listOfSession(session.id);
  if (options.json) {
    printJson({
      ...sessionJson(session),
      usage: usageJson(usage),
      summary: summary
        ? { message_id: summary.entry.id, covers_through: summary.coversThrough, content: summary.entry.content }
        : null,
      messages: entries.map(entryJson),
      approvals: approvals.map(approvalJson),
    });
    return;
  }
  const out = process.stdout;
  out.write(`${session.id}  ${session.title ?? "(untitled)"}\n`);
  out.write(
    `state ${session.state} · channel ${session.channel} · ${session.conversationKey} · expert ${session.expert}\n`,
  );
  out.write(`created ${shortDate(session.createdAt)} · updated ${shortDate(session.updatedAt)}`);
  out.write(
    ` · tokens ${usage.promptTokens} in / ${usage.completionTokens} out${usage.estimated ? " (estimated)" : ""}\n\n`,
  );
  if (summary) {
    out.write(`summary (compaction; stands for messages up to ${summary.coversThrough}, which are kept below):\n`);
    out.write(`${summary.entry.content}\n\n`);
  }
  for (const entry of entries) {
    out.write(`${formatEntry(entry)}\n`);
    // Each tool call under `ask` is followed by its request: the decision, who made it, and when.
    const asked = approvals.find(
      (approval) =>
        entry.kind === "tool_call" && approval.turnId === entry.turnId && approval.toolCallId === entry.toolCallId,
    );
    if (asked) out.write(`  [${approvalLine(asked)}]\n`);
  }
}

function formatEntry(entry: TranscriptEntry): string {
  switch (entry.kind) {
    case "user":
      return `> ${entry.senderName ? `${entry.senderName}: ` : ""}${entry.content}`;
    case "assistant":
      return `${entry.content}\n`;
    case "tool_call":
      return `  [tool ${shownToolName(entry.toolName)}] ${oneLine(entry.content, 300)}`;
    case "tool_result":
      return `  [${entry.toolOk === false ? "tool error" : "result"}] ${oneLine(entry.content, 300)}${entry.content.length > 300 ? ` (${entry.content.length} characters)` : ""}`;
    case "summary":
      return `[summary] ${entry.content}\n`;
    case "system":
      return `[system] ${entry.content}`;
  }
}

export async function searchSessions(store: Store, text: string, options: { json?: boolean }): Promise<void> {
  const hits = await store.sessions.search(text);
  if (options.json) {
    printJson(hits.map(hitJson));
    return;
  }
  if (hits.length === 0) {
    process.stdout.write(`nothing found for "${text}"\n`);
    return;
  }
  for (const hit of hits) {
    process.stdout.write(`${hit.session.id}  ${hit.session.state}  ${oneLine(hit.session.title ?? "", 60)}\n`);
    process.stdout.write(`    ${oneLine(hit.snippet, 160)}\n`);
  }
}
