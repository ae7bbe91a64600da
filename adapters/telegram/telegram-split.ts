import { graphemeBoundary } from "../../src/gateway/graphemes.js";

/** One piece of Telegram HTML that is never cut: a tag, a character reference, or one code point. */
interface Unit {
  text: string;
  /** Where it starts in the HTML. */
  at: number;
  kind: "open" | "close" | "char";
  /** The lower-cased tag name, for tags. */
  name: string;
}

const TAG = /<(\/?)([a-z][a-z-]*)(?:\s[^<>]*)?>/iy;
const ENTITY = /&(?:#\d{1,7}|#x[\da-f]{1,6}|[a-z][a-z\d]{1,31});/iy;
const EMPTY_ELEMENT = /<([a-z][a-z-]*)(?:\s[^<>]*)?><\/\1>/gi;

/**
 * Splits Telegram HTML (as `renderTelegramHtml` makes it) into messages of at most `max` characters.
 * Cuts go between paragraphs first, then lines, then words, then characters; never inside a tag, a
 * character reference or a grapheme cluster (a flag, a ZWJ family, a letter with its accents). Elements open at a cut are closed at the end of the part and
 * reopened at the start of the next, so every part is balanced. The HTML length of each part is at most
 * `max`, which bounds the length Telegram counts after parsing. Parts with no visible text are dropped,
 * so blank input gives `[]`. Throws a RangeError when the open tags alone leave no room for text.
 */
export function splitTelegramHtml(html: string, max = 4096): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError("max must be a positive integer");
  if (html.length <= max) return hasText(html) ? [html] : [];
  const units = tokenize(html);
  const parts: string[] = [];
  let open: Unit[] = [];
  let from = 0;
  while (from < units.length) {
    const end = adjust(units, from, cutAt(html, units, from, open, max));
    let last = end;
    while (last > from && isBlank(units[last - 1])) last--;
    const stack = [...open];
    let body = open.map((unit) => unit.text).join("");
    for (const unit of units.slice(from, last)) {
      body += unit.text;
      apply(stack, unit);
    }
    body += closers(stack);
    const part = dropEmptyElements(body);
    if (hasText(part)) parts.push(part);
    open = stack;
    from = skipSeparator(units, end);
  }
  return parts;
}

/** The farthest good boundary for a part starting at `from`: paragraph, then line, then word, then any. */
function cutAt(html: string, units: readonly Unit[], from: number, open: readonly Unit[], max: number): number {
  const stack = [...open];
  let length = open.reduce((sum, unit) => sum + unit.text.length, 0);
  let closing = closers(stack).length;
  let visible = false;
  let blank = from;
  const best = [from, from, from, from];
  for (let k = from; k < units.length; k++) {
    const unit = units[k];
    if (!unit) break;
    length += unit.text.length;
    if (length > max) break;
    if (unit.kind !== "char") {
      apply(stack, unit);
      closing = closers(stack).length;
    } else if (unit.text.trim() !== "") visible = true;
    if (length + closing > max) continue;
    const quality = qualityAt(units, k + 1);
    // The end is taken even without visible text: what remains is closing tags and whitespace.
    if (quality === 4) return k + 1;
    if (visible && quality >= 0) best[quality] = k + 1;
    if (!visible) blank = k + 1;
  }
  for (let quality = 3; quality >= 1; quality--) {
    const end = best[quality] ?? from;
    if (end > from) return end;
  }
  const any = best[0] ?? from;
  if (any > from) return clusterStart(html, units, from, any);
  // A window of only tags and whitespace: cut anywhere; the part has no text and is dropped.
  if (!visible && blank > from) return blank;
  throw new RangeError(`open tags leave no room for text in a part of ${max} characters`);
}

/** How good a cut before `units[at]` is: 4 end, 3 paragraph, 2 line, 1 word, 0 any (a grapheme is checked after). */
function qualityAt(units: readonly Unit[], at: number): number {
  const next = units[at];
  if (!next) return 4;
  if (next.text === "\n") return units[at + 1]?.text === "\n" ? 3 : 2;
  if (next.text === " ") return 1;
  return 0;
}

/**
 * A cut inside a word moved back to where the grapheme cluster at `end` starts. Checked once per
 * part rather than per unit, since segmenting costs far more than the scan. A cluster that started
 * before `from` (longer than a whole part) keeps the cut between code points.
 */
function clusterStart(html: string, units: readonly Unit[], from: number, end: number): number {
  const start = units[from]?.at ?? 0;
  const boundary = graphemeBoundary(html, units[end]?.at ?? html.length, start);
  let cut = end;
  while (cut > from && (units[cut]?.at ?? html.length) > boundary) cut--;
  return cut > from ? cut : end;
}

/**
 * Moves a cut past closing tags that follow it (they cost what the added closers would) or, failing that,
 * before opening tags that precede it, so no part ends with an element it has not started.
 */
function adjust(units: readonly Unit[], from: number, end: number): number {
  let cut = end;
  while (units[cut]?.kind === "close") cut++;
  if (cut > end) return cut;
  while (cut - 1 > from && units[cut - 1]?.kind === "open") cut--;
  return cut;
}

/** The whitespace a cut was made at does not start the next part; a code line's indentation does. */
function skipSeparator(units: readonly Unit[], at: number): number {
  const separator = units[at]?.text;
  if (separator !== "\n" && separator !== " ") return at;
  let next = at;
  while (units[next]?.text === separator) next++;
  return next;
}

function tokenize(html: string): Unit[] {
  const units: Unit[] = [];
  let i = 0;
  while (i < html.length) {
    const code = html.charCodeAt(i);
    const pattern = code === 60 ? TAG : code === 38 ? ENTITY : undefined;
    let match: RegExpExecArray | null = null;
    if (pattern) {
      pattern.lastIndex = i;
      match = pattern.exec(html);
    }
    if (match && pattern === TAG) {
      units.push({ text: match[0], at: i, kind: match[1] ? "close" : "open", name: (match[2] ?? "").toLowerCase() });
    } else if (match) {
      units.push({ text: match[0], at: i, kind: "char", name: "" });
    } else {
      const low = html.charCodeAt(i + 1);
      const pair = code >= 0xd800 && code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
      units.push({ text: html.slice(i, i + (pair ? 2 : 1)), at: i, kind: "char", name: "" });
    }
    i += units.at(-1)?.text.length ?? 1;
  }
  return units;
}

function apply(stack: Unit[], unit: Unit): void {
  if (unit.kind === "open") stack.push(unit);
  else if (unit.kind === "close") {
    const at = stack.findLastIndex((entry) => entry.name === unit.name);
    if (at >= 0) stack.length = at;
  }
}

function closers(stack: readonly Unit[]): string {
  return stack.reduceRight((out, unit) => `${out}</${unit.name}>`, "");
}

function isBlank(unit: Unit | undefined): boolean {
  return unit?.kind === "char" && unit.text.trim() === "";
}

function hasText(html: string): boolean {
  return html.replace(/<[^<>]*>/g, "").trim() !== "";
}

function dropEmptyElements(html: string): string {
  let previous = "";
  let current = html;
  while (current !== previous) {
    previous = current;
    current = current.replace(EMPTY_ELEMENT, "");
  }
  return current;
}
