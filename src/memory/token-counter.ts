import { createRequire } from "node:module";
import type * as O200k from "gpt-tokenizer/encoding/o200k_base";
import type { ChatMessage, ToolSpec } from "../agent/messages.js";

let encoding: typeof O200k | undefined;

/** Loaded on first use: parsing the encoding takes about 0.3 s, which CLI commands that count nothing skip. */
function o200k(): typeof O200k {
  encoding ??= createRequire(import.meta.url)("gpt-tokenizer/encoding/o200k_base") as typeof O200k;
  return encoding;
}

/**
 * Tokens a message costs beyond its text (role and separators), as OpenAI
 * documents for its chat formats; other models differ a little, which the
 * output reserve absorbs.
 */
const PER_MESSAGE = 4;
/** An image part: a middle figure for a detailed image, since its size is not known here. */
const PER_IMAGE = 800;

/** Tokens of a text in the o200k encoding (GPT-4o and later; close enough for other models' budgets). */
export function countTokens(text: string): number {
  return text === "" ? 0 : o200k().countTokens(text);
}

export function countMessage(message: ChatMessage): number {
  let tokens = PER_MESSAGE;
  if (message.role === "user" && typeof message.content !== "string") {
    for (const part of message.content) tokens += part.type === "text" ? countTokens(part.text) : PER_IMAGE;
  } else {
    tokens += countTokens(message.content as string);
  }
  if (message.role === "assistant") {
    for (const call of message.toolCalls ?? []) tokens += PER_MESSAGE + countTokens(call.name + call.arguments);
  }
  return tokens;
}

export function countMessages(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + countMessage(message), 3);
}

/** Counts by tool set: each turn of an Expert sends the same definitions, and encoding them is costly. */
const toolSpecTokens = new Map<string, number>();
const REMEMBERED_TOOL_SETS = 64;

/** What the tool definitions add to every request. */
export function countToolSpecs(specs: readonly ToolSpec[]): number {
  if (specs.length === 0) return 0;
  const text = JSON.stringify(specs);
  let tokens = toolSpecTokens.get(text);
  if (tokens === undefined) {
    tokens = countTokens(text);
    if (toolSpecTokens.size >= REMEMBERED_TOOL_SETS) toolSpecTokens.clear();
    toolSpecTokens.set(text, tokens);
  }
  return tokens;
}
