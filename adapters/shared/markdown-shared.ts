import type { MarkedToken, Tokens } from "marked";

/**
 * What the Telegram HTML and Slack mrkdwn renderers share: both walk `marked`'s tokens, and lists and
 * character references come out the same in both dialects.
 */

const NAMED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** Decodes the character references models actually write; marked leaves them in text and URLs. */
export function decodeEntities(value: string): string {
  return value.replace(/&(?:#(\d{1,7})|#x([\da-f]{1,6})|(amp|lt|gt|quot|apos|nbsp));/gi, (_, dec, hex, name) => {
    if (typeof name === "string") return NAMED[name.toLowerCase()] ?? "";
    const code = typeof dec === "string" ? Number.parseInt(dec, 10) : Number.parseInt(String(hex), 16);
    const valid =
      code > 0x1f && code <= 0x10ffff && !(code >= 0x7f && code <= 0x9f) && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : "\uFFFD";
  });
}

/**
 * A list as text: `•`, numbers or check boxes, nested lists indented by `indent` per level; what an
 * item holds besides its first block is indented under it.
 */
export function renderList<C extends { listDepth: number }>(
  t: Tokens.List,
  c: C,
  block: (token: MarkedToken, c: C) => string | undefined,
  indentUnit: string,
): string {
  const indent = indentUnit.repeat(c.listDepth);
  const start = typeof t.start === "number" ? t.start : 1;
  const inner: C = { ...c, listDepth: c.listDepth + 1 };
  const items = t.items.map((item, index) => {
    const box = item.task ? (item.checked ? "☑ " : "☐ ") : "";
    const marker = t.ordered ? `${start + index}. ${box}` : box || "• ";
    const lines: string[] = [];
    for (const child of item.tokens) {
      const rendered = block(child as MarkedToken, inner);
      if (rendered === undefined || rendered.trim() === "") continue;
      if (lines.length === 0) lines.push(`${indent}${marker}${rendered}`);
      else lines.push(child.type === "list" ? rendered : `${indent}${indentUnit}${rendered}`);
    }
    return lines.length === 0 ? `${indent}${marker.trimEnd()}` : lines.join("\n");
  });
  return items.join(t.loose ? "\n\n" : "\n");
}
