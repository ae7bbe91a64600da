import { severalSenders, toChatMessages } from "../agent/history.js";
import type { ChatMessage } from "../agent/messages.js";
import type { TranscriptEntry } from "../store/types.js";
import { countMessages } from "./token-counter.js";

/**
 * The smallest piece of history compaction may cut at: a user message, or an
 * assistant step with its tool calls and their results, so that a tool call
 * and its result are always kept, summarized or left out together.
 */
export interface ContextUnit {
  /** The transcript rows it was made of (the last one's id is where a summary of it ends). */
  lastEntryId: number;
  /** Starts a turn: a user message (a place where the conversation may be picked up). */
  user: boolean;
  messages: ChatMessage[];
  tokens: number;
}

/** Groups transcript rows (without summaries) into units, in order. */
export function toUnits(entries: readonly TranscriptEntry[], options: { vision: boolean }): ContextUnit[] {
  const withNames = severalSenders(entries);
  const groups: TranscriptEntry[][] = [];
  let stepKey: string | undefined;
  for (const entry of entries) {
    const key = entry.kind === "assistant" || entry.kind === "tool_call" ? `${entry.turnId}:${entry.step}` : undefined;
    const joins = entry.kind === "tool_result" ? stepKey !== undefined : key !== undefined && key === stepKey;
    if (joins) groups.at(-1)?.push(entry);
    else groups.push([entry]);
    if (entry.kind !== "tool_result") stepKey = key;
  }
  return groups.map((group) => {
    const messages = toChatMessages(group, { withNames, vision: options.vision });
    return {
      lastEntryId: group.at(-1)?.id ?? 0,
      user: group[0]?.kind === "user",
      messages,
      tokens: countMessages(messages) - 3,
    };
  });
}

export function recount(unit: ContextUnit): void {
  unit.tokens = countMessages(unit.messages) - 3;
}

/** A unit as plain text, for the summarizer (tool calls written out, not sent as calls). */
export function unitText(unit: ContextUnit): string {
  return unit.messages.map(messageText).join("\n");
}

function messageText(message: ChatMessage): string {
  if (message.role === "user") {
    return `User: ${typeof message.content === "string" ? message.content : "(a message with images)"}`;
  }
  if (message.role === "assistant") {
    const calls = (message.toolCalls ?? []).map((call) => `[called ${call.name}(${call.arguments})]`);
    return [`Assistant: ${message.content}`, ...calls].join("\n");
  }
  return message.role === "tool" ? `[tool result] ${message.content}` : `[note] ${message.content}`;
}
