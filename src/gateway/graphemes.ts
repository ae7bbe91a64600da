/**
 * Where text may be cut without tearing a character as people see it: a flag (two regional
 * indicators), a ZWJ family, a letter with combining accents, an emoji with a skin tone.
 *
 * `Intl.Segmenter` knows the rules, but V8's segment iterator costs the square of the text's length
 * (16,000 letters took 0.4 s), so it only ever sees a small window around the cut. Runs of regional
 * indicators pair up from their start, which a window cannot see: those are cut by counting instead.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Code units looked at on each side of a cut; a cluster longer than this is cut between code points. */
const WINDOW = 64;

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** A regional indicator (U+1F1E6–U+1F1FF, `\uD83C\uDDE6`–`\uD83C\uDDFF`) starts at `at`. */
function regionalAt(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 0xd83c) return false;
  const low = text.charCodeAt(at + 1);
  return low >= 0xdde6 && low <= 0xddff;
}

/** `at`, moved back one unit when it falls between the halves of a surrogate pair. */
export function codePointBoundary(text: string, at: number): number {
  return at > 0 && at < text.length && isLow(text.charCodeAt(at)) && isHigh(text.charCodeAt(at - 1)) ? at - 1 : at;
}

/**
 * The last grapheme boundary at or before `at`, not before `from` (which is taken to be a boundary,
 * e.g. the previous cut). `from` when the cluster at `at` began earlier than the window reaches.
 */
export function graphemeBoundary(text: string, at: number, from = 0): number {
  if (at >= text.length) return text.length;
  if (at <= from) return from;
  const cut = codePointBoundary(text, at);
  if (regionalAt(text, cut) && cut - 2 >= from && regionalAt(text, cut - 2)) {
    let start = cut - 2;
    while (start - 2 >= from && regionalAt(text, start - 2)) start -= 2;
    return cut - ((cut - start) % 4);
  }
  return (
    boundariesNear(text, cut, from)
      .filter((boundary) => boundary <= cut)
      .at(-1) ?? from
  );
}

/** The first grapheme boundary at or after `at` (the end of the text at the latest). */
export function nextGraphemeBoundary(text: string, at: number): number {
  const before = graphemeBoundary(text, at);
  if (before >= at) return before;
  return boundariesNear(text, codePointBoundary(text, at), 0).find((boundary) => boundary >= at) ?? text.length;
}

/**
 * Where to end a piece that starts at `from` and may reach `at`: the last grapheme boundary, or when a
 * single cluster is longer than the window (a tower of combining marks), between code points, so a
 * caller always makes progress.
 */
export function cutPoint(text: string, at: number, from: number): number {
  const boundary = graphemeBoundary(text, at, from);
  if (boundary > from) return boundary;
  const cut = codePointBoundary(text, at);
  return cut > from ? cut : Math.min(text.length, from + 2);
}

/** Boundaries the segmenter finds within a window around `cut`, as offsets into `text`. */
function boundariesNear(text: string, cut: number, from: number): number[] {
  const start = Math.max(from, codePointBoundary(text, cut - WINDOW));
  const end = Math.min(text.length, cut + WINDOW);
  const found = [...segmenter.segment(text.slice(start, end))].map(({ index }) => start + index);
  found.push(end);
  return found;
}

/** The longest start of `text` of at most `max` code units that ends at a grapheme boundary (see `cutPoint`). */
export function graphemePrefix(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, cutPoint(text, max, 0));
}

/** The longest end of `text` of at most `max` code units that starts at a grapheme boundary. */
export function graphemeSuffix(text: string, max: number): string {
  return text.length <= max ? text : text.slice(nextGraphemeBoundary(text, text.length - max));
}

/** A last cluster that the next delta may still extend: half a flag, a ZWJ, an emoji that may take a modifier. */
const UNFINISHED = /(?:\p{Regional_Indicator}|\u200d|\p{Extended_Pictographic}\ufe0f?|[\ud800-\udbff])$/u;

/**
 * Splits a stream's text into what can be shown now and its last cluster when that may be unfinished
 * (a flag whose second half comes in the next delta, a family still being joined), which waits for
 * more. Letters are shown at once: holding every last character would make previews lag visibly.
 */
export function holdLastGrapheme(text: string): { ready: string; held: string } {
  if (!UNFINISHED.test(text)) return { ready: text, held: "" };
  const cut = graphemeBoundary(text, text.length - 1);
  return { ready: text.slice(0, cut), held: text.slice(cut) };
}
