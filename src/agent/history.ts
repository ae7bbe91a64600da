import type { TranscriptEntry } from "../store/types.js";
import { userContent } from "./attachment-content.js";
import type { ChatMessage, ToolCall } from "./messages.js";

type AssistantMessage = Extract<ChatMessage, { role: "assistant" }>;

/**
 * Rebuilds the model conversation from a stored transcript. An assistant row
 * and the tool calls of the same turn and step form one assistant message; a
 * tool call left without a result (the process died while it ran) gets one
 * saying so, because the API rejects unanswered tool calls.
 */
export function toChatMessages(
  entries: readonly TranscriptEntry[],
  options: { withNames?: boolean; vision?: boolean } = {},
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const withNames = options.withNames ?? severalSenders(entries);
  let open: { key: string; message: AssistantMessage } | undefined;
  let unanswered: string[] = [];

  const closeOpen = () => {
    if (!open) return;
    messages.push(open.message);
    unanswered = (open.message.toolCalls ?? []).map((call) => call.id);
    open = undefined;
  };
  const answerRest = () => {
    for (const id of unanswered) {
      messages.push({ role: "tool", toolCallId: id, content: "error: the tool call was interrupted" });
    }
    unanswered = [];
  };

  for (const entry of entries) {
    if (entry.kind === "assistant" || entry.kind === "tool_call") {
      const key = `${entry.turnId}:${entry.step}`;
      if (open?.key !== key) {
        closeOpen();
        answerRest();
        open = { key, message: { role: "assistant", content: "" } };
      }
      if (entry.kind === "assistant") open.message.content += entry.content;
      else open.message.toolCalls = [...(open.message.toolCalls ?? []), toToolCall(entry)];
      continue;
    }
    closeOpen();
    if (entry.kind === "tool_result") {
      const id = entry.toolCallId ?? "";
      messages.push({ role: "tool", toolCallId: id, content: entry.content });
      unanswered = unanswered.filter((pending) => pending !== id);
      continue;
    }
    answerRest();
    if (entry.kind === "user") {
      const text = withNames && entry.senderName ? `${entry.senderName}: ${entry.content}` : entry.content;
      messages.push({ role: "user", content: userContent(text, entry.attachments, options.vision ?? false) });
    } else {
      messages.push({ role: "system", content: entry.content });
    }
  }
  closeOpen();
  answerRest();
  return messages;
}

/** Names matter only where several people talk to the bot in one conversation. */
export function severalSenders(entries: readonly TranscriptEntry[]): boolean {
  return new Set(entries.filter((e) => e.kind === "user").map((e) => e.senderId ?? "")).size > 1;
}

function toToolCall(entry: TranscriptEntry): ToolCall {
  return { id: entry.toolCallId ?? `call_${entry.id}`, name: entry.toolName ?? "", arguments: entry.content };
}
