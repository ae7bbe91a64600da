import type { Random } from "./fault-seeds.js";

/** Markdown that breaks naive converters: unclosed fences and emphasis, raw HTML, entities, tables, odd links. */
const nasty = [
  "```js\nconst x = '<script>alert(1)</script>' && a < b;\n",
  "```\n",
  "**bold _italic ~~strike `code` ~~ still** _ *unclosed\n",
  "| a | b |\n|---|---|\n| <b>x</b> | & |\n",
  "[link](javascript:alert(1)) [x](http://a.b/c?d=1&e=<f>) <https://example.com>\n",
  "> quote\n>> nested > deeper\n",
  "- item\n  - nested\n    - deeper *unclosed\n",
  "&amp; &lt; &#0; &bogus; \u0007 \u202e reversed \u200b\n",
  "# Heading ###\n",
  "<b><i>raw html</b></i> <pre><code>x</code>\n",
  "\\*escaped\\* \\\\ __dunder__ ||spoiler|| <@U123> <!channel> @everyone\n",
  "1. one\n2. two\n\n---\n\n",
];

/** About `size` characters of hostile Markdown in a seeded order, ending with `end`. */
export function hugeMarkdown(random: Random, size: number, end: string): string {
  let text = "";
  while (text.length < size) text += nasty[random.int(0, nasty.length - 1)];
  return `${text}\n${end}`;
}

/** Control characters, a lone surrogate, bidi overrides and an ANSI escape around a marker. */
export const controlText = (marker: string) => `ctl \u0000\u0001\u0007\u001b[31m\u202e\ud800 ${marker} \u0085\u2028end`;

const telegramTags = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "code",
  "pre",
  "blockquote",
  "tg-emoji",
]);

/**
 * Why Telegram would refuse `text` as `parse_mode: HTML` (an unknown or unbalanced tag, a bare
 * `<` or `&`), or undefined when it is well formed.
 */
export function telegramHtmlProblem(text: string): string | undefined {
  const stack: string[] = [];
  for (const match of text.matchAll(/<(\/?)([a-z-]*)[^>]*>|<|&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);)/gi)) {
    const [whole, closing, name = ""] = match;
    if (whole === "<" || whole.startsWith("&")) return `bare ${whole} at ${match.index}`;
    if (!telegramTags.has(name.toLowerCase())) return `unknown tag ${whole} at ${match.index}`;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) return `unbalanced ${whole} at ${match.index}`;
  }
  return stack.length > 0 ? `unclosed <${stack.join("><")}>` : undefined;
}
