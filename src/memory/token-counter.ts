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
 * BPE merging costs the square of a piece's length (a 50,000-character run of CJK text took 11 s on
 * the event loop), and the pre-tokenizer only splits at spaces and punctuation. Runs without
 * whitespace longer than this are counted in pieces of this size: each piece takes well under a
 * millisecond, and a cut adds at most a token or two to the count.
 */
const LONGEST_PIECE = 256;
const LONG_RUN = new RegExp(`\\S{${LONGEST_PIECE + 1},}`, "g");
/**
 * Texts up to this length are counted exactly (about 1 ms); longer ones are estimated from
 * `SAMPLES` windows of `SAMPLE_CHARS` spread over the text, so counting any text costs about as much
 * as counting this much, and a 900 KB message never holds the event loop.
 */
const EXACT_UP_TO = 16_384;
const SAMPLES = 8;
const SAMPLE_CHARS = 2_048;

/**
 * Counts of texts seen lately: every turn counts its Expert's instructions and the whole history again,
 * and encoding was about a tenth of a turn's CPU in the bench profile. Cleared when it holds more than
 * 4,096 texts or 4 million characters, so it stays within a few MB.
 */
const counted = new Map<string, number>();
const REMEMBERED_TEXTS = 4096;
const REMEMBERED_CHARS = 4_000_000;
let countedChars = 0;

/**
 * Tokens of a text in the o200k encoding (GPT-4o and later; close enough for other models' budgets).
 * Exact up to 16,384 characters (runs without whitespace counted in pieces), estimated from samples
 * beyond: the cost is bounded whatever the text.
 */
export function countTokens(text: string): number {
  if (text === "") return 0;
  let tokens = counted.get(text);
  if (tokens === undefined) {
    tokens = text.length <= EXACT_UP_TO ? countPieces(text) : estimateFromSamples(text);
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

/** The count with every run of non-whitespace longer than `LONGEST_PIECE` cut into pieces of that size. */
function countPieces(text: string): number {
  const encoder = o200k();
  const count = (piece: string) => encoder.countTokens(piece);
  let tokens = 0;
  let from = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    if (run.index > from) tokens += count(text.slice(from, run.index));
    const end = run.index + run[0].length;
    for (let at = run.index; at < end; ) {
      const cut = pieceEnd(text, at, Math.min(end, at + LONGEST_PIECE));
      tokens += count(text.slice(at, cut));
      at = cut;
    }
    from = end;
  }
  if (from < text.length) tokens += count(text.slice(from));
  return tokens;
}

/** `end`, moved back one unit when it would split a surrogate pair. */
function pieceEnd(text: string, start: number, end: number): number {
  const code = text.charCodeAt(end);
  return end < text.length && end - 1 > start && code >= 0xdc00 && code <= 0xdfff ? end - 1 : end;
}

/** Tokens per character in evenly spread windows, times the length. */
function estimateFromSamples(text: string): number {
  const stride = Math.floor((text.length - SAMPLE_CHARS) / (SAMPLES - 1));
  let tokens = 0;
  let chars = 0;
  for (let index = 0; index < SAMPLES; index++) {
    const start = pieceEnd(text, -1, index * stride);
    const sample = text.slice(start, pieceEnd(text, start, start + SAMPLE_CHARS));
    tokens += countPieces(sample);
    chars += sample.length;
  }
  return Math.ceil((tokens * text.length) / chars);
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
