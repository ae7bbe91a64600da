import { Lexer, type MarkedToken, type Token, type Tokens } from "marked";
import { graphemePrefix } from "../../src/gateway/graphemes.js";
import { splitMessage } from "../../src/gateway/message-splitter.js";
import { decodeEntities, renderList } from "../shared/markdown-shared.js";

/** Slack keeps every message at most this long (it truncates `text` at 40,000; 4,000 reads well). */
export const MAX_MRKDWN_LENGTH = 4000;

interface Context {
  /** Styles already open around this point: Slack does not nest the same style. */
  active: ReadonlySet<string>;
  inLink: boolean;
  listDepth: number;
}

const SAFE_URL = /^(?:https?|mailto):/i;
const STYLE_MARK: Readonly<Record<string, string>> = { bold: "*", italic: "_", strike: "~" };

/**
 * Renders model Markdown as Slack mrkdwn with a real Markdown parser: `**b**` → `*b*`, `[t](u)` → `<u|t>`,
 * headings bold, lists with bullets, tables as code. All text is escaped (`&`, `<`, `>`), so nothing
 * the model writes becomes a mention, a channel ping (`<!channel>`) or a link of its own.
 */
export function renderMrkdwn(markdown: string): string {
  const source = markdown.replace(/\r\n?/g, "\n");
  try {
    return blocks(Lexer.lex(source, { gfm: true }), { active: new Set(), inLink: false, listDepth: 0 }).join("\n\n");
  } catch {
    // Pathologically nested input overflows the recursive lexer; the reply still goes out, unformatted.
    return escapeMrkdwn(source);
  }
}

/** Renders and cuts into messages of at most `max` characters; a code block is never cut open. */
export function toMrkdwnMessages(markdown: string, max = MAX_MRKDWN_LENGTH): string[] {
  const rendered = renderMrkdwn(markdown);
  if (rendered.trim() === "") return [graphemePrefix(escapeMrkdwn(markdown.trim()), max) || " "];
  return splitMessage(rendered, max);
}

export function escapeMrkdwn(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function blocks(tokens: readonly Token[], c: Context): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const text = block(token as MarkedToken, c);
    if (text !== undefined && text.trim() !== "") out.push(text.trimEnd());
  }
  return out;
}

function block(t: MarkedToken, c: Context): string | undefined {
  switch (t.type) {
    case "space":
    case "def":
    case "checkbox":
      return undefined;
    case "paragraph":
      return inline(t.tokens, c);
    case "text":
      return t.tokens ? inline(t.tokens, c) : escapeMrkdwn(t.text);
    case "heading":
      return styled("bold", t.tokens, c);
    case "code":
      return codeBlock(t.text.replace(/\n+$/, ""));
    case "table":
      return codeBlock(t.raw.trim());
    case "hr":
      return "———";
    case "blockquote":
      return blocks(t.tokens, c).join("\n\n").replace(/^/gm, "> ");
    case "list":
      return list(t, c);
    case "html":
      // An HTML block swallows the Markdown on its lines; lexed inline, its tags become text and the
      // rest keeps its formatting.
      return inline(Lexer.lexInline(t.text.trim(), { gfm: true }), c);
    default:
      return escapeMrkdwn((t as Token).raw);
  }
}

function inline(tokens: readonly Token[], c: Context): string {
  let out = "";
  for (const token of tokens) out += span(token as MarkedToken, c);
  return out;
}

function span(t: MarkedToken, c: Context): string {
  switch (t.type) {
    case "text":
      return t.tokens ? inline(t.tokens, c) : escapeMrkdwn(decodeEntities(t.text));
    case "escape":
      return escapeMrkdwn(t.text);
    case "strong":
      return styled("bold", t.tokens, c);
    case "em":
      return styled("italic", t.tokens, c);
    case "del":
      return styled("strike", t.tokens, c);
    case "codespan":
      return c.inLink ? escapeMrkdwn(decodeEntities(t.text)) : `\`${escapeMrkdwn(decodeEntities(t.text))}\``;
    case "br":
      return "\n";
    case "link":
      return link(t.autolink ? t.href : decodeEntities(t.href), t.tokens, c);
    case "image":
      return link(decodeEntities(t.href), t.tokens, c);
    case "checkbox":
      return "";
    default:
      return escapeMrkdwn((t as Token).raw);
  }
}

function styled(style: string, tokens: readonly Token[], c: Context): string {
  if (c.active.has(style)) return inline(tokens, c);
  const inner = inline(tokens, { ...c, active: new Set([...c.active, style]) });
  if (inner.trim() === "") return inner;
  const mark = STYLE_MARK[style] ?? "";
  // Slack only sees a style mark next to non-space characters: keep the spaces outside it.
  const lead = /^\s*/.exec(inner)?.[0] ?? "";
  const trail = /\s*$/.exec(inner)?.[0] ?? "";
  return `${lead}${mark}${inner.trim()}${mark}${trail}`;
}

function link(rawHref: string, tokens: readonly Token[], c: Context): string {
  const href = rawHref.trim();
  const label = inline(tokens, { ...c, inLink: true }).replaceAll("|", "¦");
  const usable = !c.inLink && SAFE_URL.test(href) && !/[\s<>|\p{Cc}]/u.test(href);
  if (!usable) return label.trim() === "" ? escapeMrkdwn(href) : label;
  const url = href.replaceAll("&", "&amp;");
  return label.trim() === "" || label === escapeMrkdwn(href) ? `<${url}>` : `<${url}|${label}>`;
}

function codeBlock(code: string): string {
  // A fence inside the code would end Slack's block early.
  return `\`\`\`\n${escapeMrkdwn(code).replaceAll("```", "`\u200b``")}\n\`\`\``;
}

function list(t: Tokens.List, c: Context): string {
  return renderList(t, c, block, "    ");
}
