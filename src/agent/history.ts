import type { TranscriptEntry } from "../store/types.js";
import { userContent } from "./attachment-content.js";
import type { ChatMessage, ToolCall } from "./messages.js";
import { toolImagesMessage } from "./tool-images.js";
import type { ToolImage } from "./tools.js";

/** What the model reads for the first unanswered call of a step: it may have run when the process died. */
export const INTERRUPTED_TOOL_RESULT =
  "error: interrupted: the gateway stopped while this tool call ran, so it may or may not have run. Check before repeating anything it would change.";
/** What the model reads for the calls after it: the loop runs a step's calls in order, so these never started. */
export const NOT_RUN_TOOL_RESULT = "error: not run: the gateway stopped before this tool call started.";

type AssistantMessage = Extract<ChatMessage, { role: "assistant" }>;

/**
 * Rebuilds the model conversation from a stored transcript. An assistant row
 * and the tool calls of the same turn and step form one assistant message; a
 * tool call left without a result (the process died while it ran) gets one
 * saying so, because the API rejects unanswered tool calls. A call whose result
 * row exists is never run again: the model reads its stored result instead.
 */
export function toChatMessages(
  entries: readonly TranscriptEntry[],
  options: { withNames?: boolean; vision?: boolean } = {},
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const withNames = options.withNames ?? severalSenders(entries);
  let open: { key: string; message: AssistantMessage } | undefined;
  let unanswered: string[] = [];
  let images: ToolImage[] = [];

  const closeOpen = () => {
    if (!open) return;
    messages.push(open.message);
    unanswered = (open.message.toolCalls ?? []).map((call) => call.id);
    open = undefined;
  };
  const answerRest = () => {
    for (const [index, id] of unanswered.entries()) {
      messages.push({
        role: "tool",
        toolCallId: id,
        content: index === 0 ? INTERRUPTED_TOOL_RESULT : NOT_RUN_TOOL_RESULT,
      });
    }
    unanswered = [];
    const shown = options.vision ? toolImagesMessage(images) : undefined;
    if (shown) messages.push(shown);
    images = [];
  };

  for (const entry of entries) {
    if (entry.kind === "assistant" || entry.kind === "tool_call") {
      const key = `${entry.turnId}:${entry.step}`;
      // A step stores its text before its tool calls, so text after a tool call of the same turn
      // and step comes from another attempt of the turn (resumed after a crash that lost the
      // call's result), which numbers its steps afresh: a message of its own.
      const retried = entry.kind === "assistant" && open?.message.toolCalls !== undefined;
      if (open?.key !== key || retried) {
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
      images.push(...imagesOf(entry.attachments));
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

/** Images a tool result row carries (stored as image attachments). */
export function imagesOf(json: string | null): ToolImage[] {
  if (!json) return [];
  try {
    const value = JSON.parse(json) as unknown;
    if (!Array.isArray(value)) return [];
    return value.flatMap((item: { kind?: unknown; mimeType?: unknown; data?: unknown }) =>
      item.kind === "image" && typeof item.mimeType === "string" && typeof item.data === "string"
        ? [{ mimeType: item.mimeType, data: item.data }]
        : [],
    );
  } catch {
    return [];
  }
}

function toToolCall(entry: TranscriptEntry): ToolCall {
  return { id: entry.toolCallId ?? `call_${entry.id}`, name: entry.toolName ?? "", arguments: entry.content };
}
