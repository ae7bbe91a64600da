import { graphemeBoundary } from "../gateway/graphemes.js";

/** The longest answer a turn sends unless configured otherwise (`GATEWAY_MAX_REPLY_CHARS`). */
export const DEFAULT_MAX_REPLY_CHARS = 20_000;

/** What an answer cut at the limit ends with, so the reader knows there was more. */
export function cutNote(maxChars: number): string {
  return `\n\n(The answer was cut here: it reached the limit of ${maxChars.toLocaleString("en-US")} characters.)`;
}

/**
 * Takes a model's text delta after `text` against the limit: the part that fits (ending at a whole
 * character of the whole answer: a flag may straddle two deltas) and whether the limit was reached.
 */
export function fitDelta(delta: string, text: string, maxChars: number): { fits: string; reached: boolean } {
  if (text.length + delta.length <= maxChars) return { fits: delta, reached: false };
  const whole = text + delta;
  const cut = Math.max(text.length, graphemeBoundary(whole, maxChars));
  return { fits: whole.slice(text.length, cut), reached: true };
}
