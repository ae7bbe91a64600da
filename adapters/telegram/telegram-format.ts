import { Lexer, type MarkedToken, type Token, type Tokens } from "marked";
import { decodeEntities, renderList } from "../shared/markdown-shared.js";

export { splitTelegramHtml } from "./telegram-split.js";

/** Telegram's HTML (or plain text for the "can't parse entities" fallback). */
type Mode = "html" | "plain";

interface Context {
  mode: Mode;
  /** Formatting tags already open around this point; opening one again would only add nesting. */
  active: ReadonlySet<string>;
  /** Telegram forbids code and links inside a link. */
  inLink: boolean;
  /** Telegram forbids nested blockquotes. */
  inQuote: boolean;
  listDepth: number;
}

const SAFE_URL = /^(?:https?|tg|mailto):/i;
/** A URL longer than this is shown as text, so the reopened `<a href>` of a split message always fits. */
const MAX_HREF = 2048;
const HR = "———";

/**
 * Renders model Markdown as Telegram HTML (`parse_mode: "HTML"`). Only Telegram's tags are emitted, all
 * text is escaped, raw HTML from the model is shown as text, and only http(s), tg and mailto links survive.
 * The result may be longer than one message: pass it to {@link splitTelegramHtml}.
 */
export function renderTelegramHtml(markdown: string): string {
  return render(markdown, "html");
}

/** The Markdown with its formatting removed: what to send when Telegram cannot parse the HTML. */
export function toPlainText(markdown: string): string {
  return render(markdown, "plain");
}

function render(markdown: string, mode: Mode): string {
  const source = clean(markdown);
  try {
    const context: Context = { mode, active: new Set(), inLink: false, inQuote: false, listDepth: 0 };
    return blocks(Lexer.lex(source, { gfm: true }), context).join("\n\n");
  } catch {
    // Deeply nested input (thousands of `>` or list markers) overflows marked's recursive lexer or our
    // renderer. A reply must still go out, so it is sent unformatted.
    return mode === "html" ? escapeHtml(source) : source;
  }
}

function blocks(tokens: readonly Token[], c: Context): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const text = block(token as MarkedToken, c);
    if (text !== undefined && text.trim() !== "") out.push(text);
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
      return t.tokens ? inline(t.tokens, c) : text(t.text, c);
    case "heading":
      return styled("b", t.tokens, c);
    case "code":
      return codeBlock(t.text.replace(/\n+$/, ""), t.lang, c);
    case "table":
      return codeBlock(t.raw.trim(), undefined, c);
    case "hr":
      return HR;
    case "blockquote":
      return quote(blocks(t.tokens, { ...c, inQuote: true }).join("\n\n"), c);
    case "list":
      return list(t, c);
    case "html":
      // An HTML block swallows the Markdown on its lines; lexed inline, its tags become text and the rest
      // keeps its formatting.
      return inline(Lexer.lexInline(t.text.trim(), { gfm: true }), c);
    default:
      return text((t as Token).raw, c);
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
      return t.tokens ? inline(t.tokens, c) : text(decodeEntities(t.text), c);
    case "escape":
      return text(t.text, c);
    case "strong":
      return styled("b", t.tokens, c);
    case "em":
      return styled("i", t.tokens, c);
    case "del":
      return styled("s", t.tokens, c);
    case "codespan":
      return c.mode === "html" && !c.inLink ? `<code>${escapeHtml(t.text)}</code>` : text(t.text, c);
    case "br":
      return "\n";
    case "link":
      return link(t.autolink ? t.href : decodeEntities(t.href), t.tokens, t.autolink === true, c);
    case "image":
      return link(decodeEntities(t.href), t.tokens, false, c);
    case "checkbox":
      return "";
    case "html":
      return text(t.text, c);
    default:
      return text((t as Token).raw, c);
  }
}

function text(value: string, c: Context): string {
  return c.mode === "html" ? escapeHtml(value) : value;
}

/** Wraps inline tokens in a formatting tag, unless the same tag is already open around them. */
function styled(tag: string, tokens: readonly Token[], c: Context): string {
  if (c.mode === "plain" || c.active.has(tag)) return inline(tokens, c);
  const inner = inline(tokens, { ...c, active: new Set([...c.active, tag]) });
  return inner === "" ? "" : `<${tag}>${inner}</${tag}>`;
}

function link(rawHref: string, tokens: readonly Token[], autolink: boolean, c: Context): string {
  const href = rawHref.trim();
  const label = inline(tokens, { ...c, inLink: true });
  const shown = label.trim() === "" ? text(href, c) : label;
  const usable = !c.inLink && SAFE_URL.test(href) && href.length <= MAX_HREF && !/[\s\p{Cc}]/u.test(href);
  if (!usable) return shown;
  if (c.mode === "plain") return autolink || label === href ? shown : `${shown} (${href})`;
  return `<a href="${escapeHtml(href).replaceAll('"', "&quot;")}">${shown}</a>`;
}

function codeBlock(code: string, lang: string | undefined, c: Context): string {
  if (c.mode === "plain") return code;
  const language =
    (lang ?? "")
      .trim()
      .split(/\s/)[0]
      ?.replace(/[^\w#+.-]/g, "")
      .slice(0, 32) ?? "";
  const body = escapeHtml(code);
  return language === "" ? `<pre>${body}</pre>` : `<pre><code class="language-${language}">${body}</code></pre>`;
}

function quote(body: string, c: Context): string {
  if (body.trim() === "") return "";
  if (c.mode === "plain") return body.replace(/^/gm, "│ ");
  return c.inQuote ? body : `<blockquote>${body}</blockquote>`;
}

function list(t: Tokens.List, c: Context): string {
  return renderList(t, c, block, "  ");
}

function escapeHtml(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Drops control characters (Telegram shows them as boxes or rejects them) and repairs lone surrogates. */
function clean(markdown: string): string {
  return (
    markdown
      .replace(/\r\n?/g, "\n")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, "")
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\uFFFD")
  );
}
