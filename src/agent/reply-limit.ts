import { graphemeBoundary } from "../gateway/graphemes.js";

/** The longest answer a turn sends unless configured otherwise (`GATEWAY_MAX_REPLY_CHARS`). */
export const DEFAULT_MAX_REPLY_CHARS = 20_000;

/** What an answer cut at the limit ends with, so the reader knows there was more. */
export function cutNote(maxChars: number): string {
  return `\n\n(The answer was cut here: it reached the limit of ${maxChars.toLocaleString("en-US")} characters.)`;
}

/**
 * Takes a model's text delta after `text` against the limit. Within it: `{ text: text + delta }`.
 * Past it: the answer cut at the last whole character (grapheme cluster) within the limit, which may
 * take back the end of `text` when a flag or family straddles two deltas; `shown` is the part of the
 * delta that stays.
 */
export function fitDelta(
  delta: string,
  text: string,
  maxChars: number,
): { text: string; shown: string; reached: boolean } {
  const whole = text + delta;
  if (whole.length <= maxChars) return { text: whole, shown: delta, reached: false };
  const cut = graphemeBoundary(whole, maxChars);
  return { text: whole.slice(0, cut), shown: whole.slice(text.length, Math.max(cut, text.length)), reached: true };
}
