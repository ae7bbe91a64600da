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

/**
 * Counts of texts seen lately: every turn counts its Expert's instructions and the whole history again,
 * and encoding was about a tenth of a turn's CPU in the bench profile. Cleared when it holds more than
 * 4,096 texts or 4 million characters, so it stays within a few MB.
 */
const counted = new Map<string, number>();
const REMEMBERED_TEXTS = 4096;
const REMEMBERED_CHARS = 4_000_000;
let countedChars = 0;

/** Tokens of a text in the o200k encoding (GPT-4o and later; close enough for other models' budgets). */
export function countTokens(text: string): number {
  if (text === "") return 0;
  let tokens = counted.get(text);
  if (tokens === undefined) {
    tokens = o200k().countTokens(text);
    if (counted.size >= REMEMBERED_TEXTS || countedChars + text.length > REMEMBERED_CHARS) {
      counted.clear();
      countedChars = 0;
    }
    if (text.length <= REMEMBERED_CHARS) {
      counted.set(text, tokens);
      countedChars += text.length;
    }
  }
  return tokens;
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

/** What the tool definitions add to every request. */
export function countToolSpecs(specs: readonly ToolSpec[]): number {
  return specs.length === 0 ? 0 : countTokens(JSON.stringify(specs));
}
