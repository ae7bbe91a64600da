import { describe, expect, it } from "vitest";
import { renderTelegramHtml, splitTelegramHtml, toPlainText } from "../../adapters/telegram/telegram-format.js";

const ALLOWED_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "a", "code"]);
ALLOWED_TAGS.add("pre").add("blockquote");
const TAG = /<(\/?)([a-z][a-z-]*)((?:\s[^<>]*)?)>/gi;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Fails unless every tag is one Telegram knows and they nest properly; returns the problem or "ok". */
function tagProblem(html: string): string {
  const stack: string[] = [];
  for (const [, slash, name = "", attrs = ""] of html.matchAll(TAG)) {
    if (!ALLOWED_TAGS.has(name)) return `unknown tag <${name}>`;
    if (slash === "/") {
      if (stack.pop() !== name) return `unbalanced </${name}>`;
    } else {
      if (attrs !== "" && !/^ (?:href="(?:https?|tg|mailto):[^"<>]*"|class="language-[\w#+.-]+")$/.test(attrs))
        return `attrs ${attrs}`;
      stack.push(name);
    }
  }
  if (stack.length > 0) return `unclosed ${stack.join(",")}`;
  const text = html.replace(TAG, "");
  if (/[<>]/.test(text)) return "raw < or > in text";
  if (/&(?!(?:amp|lt|gt|quot);)/.test(text)) return "bare or cut entity";
  return "ok";
}

function visible(html: string): string {
  return html
    .replace(TAG, "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&");
}

const squash = (text: string) => text.replace(/\s+/g, "");

/** Every invariant a split must keep, for any input and limit. */
function expectGoodSplit(html: string, max: number): string[] {
  const parts = splitTelegramHtml(html, max);
  for (const part of parts) {
    expect(part.length).toBeLessThanOrEqual(max);
    expect(tagProblem(part)).toBe("ok");
    expect(LONE_SURROGATE.test(part)).toBe(false);
    expect(visible(part).trim()).not.toBe("");
  }
  expect(squash(parts.map(visible).join(""))).toBe(squash(visible(html)));
  return parts;
}

/** A small deterministic PRNG so generated documents are the same on every run. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function sampleMarkdown(paragraphs: number, seed = 1): string {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const words = ["alpha", "**bold**", "*em*", "`a<b`", "R&D", "😀", "👩‍💻", "[link](https://ex.com/?a=1&b=2)"];
  words.push("~~gone~~", "x<y>z", "naïve", "***both***", "**bold with `code` inside**", "🇺🇦", "tail.");
  const sentence = () => Array.from({ length: 5 + Math.floor(random() * 40) }, () => pick(words)).join(" ");
  const blocks = [
    () => sentence(),
    () => `## ${sentence().slice(0, 40)}`,
    () => `- ${sentence()}\n- ${sentence()}\n  - ${sentence()}`,
    () => `1. ${sentence()}\n2. ${sentence()}`,
    () => `> ${sentence()}\n> ${sentence()}`,
    () => `\`\`\`ts\nconst x = 1 < 2 && "a";\n${"  line();\n".repeat(1 + Math.floor(random() * 30))}\`\`\``,
    () => "| a | b |\n|---|---|\n| 1 | <2> |",
    () => "---",
  ];
  return Array.from({ length: paragraphs }, () => pick(blocks)()).join("\n\n");
}

describe("renderTelegramHtml: constructs", () => {
  it.each([
    ["**bold** and __bold__", "<b>bold</b> and <b>bold</b>"],
    ["*em* and _em_", "<i>em</i> and <i>em</i>"],
    ["~~gone~~", "<s>gone</s>"],
    ["`a < b && c`", "<code>a &lt; b &amp;&amp; c</code>"],
    ["***both***", "<i><b>both</b></i>"],
    ["**outer **inner** outer**", "<b>outer inner outer</b>"],
    ["AT&T &amp; 1 < 2 > 0", "AT&amp;T &amp; 1 &lt; 2 &gt; 0"],
    ["\\*not em\\*", "*not em*"],
    ["line one\nline two", "line one\nline two"],
  ])("inline %j", (markdown, html) => {
    expect(renderTelegramHtml(markdown)).toBe(html);
  });

  it("renders fenced code with its language, escaped, and without one as a bare pre", () => {
    expect(renderTelegramHtml('```ts\nconst a = 1 < 2 && "x";\n```')).toBe(
      '<pre><code class="language-ts">const a = 1 &lt; 2 &amp;&amp; "x";</code></pre>',
    );
    expect(renderTelegramHtml("```\n<b>raw</b>\n```")).toBe("<pre>&lt;b&gt;raw&lt;/b&gt;</pre>");
    expect(renderTelegramHtml('```js" onclick="x\ncode\n```')).toBe('<pre><code class="language-js">code</code></pre>');
    expect(renderTelegramHtml("    indented\n")).toBe("<pre>indented</pre>");
  });

  it("renders safe links and drops unsafe ones to their text", () => {
    expect(renderTelegramHtml("[x](https://ex.com/?a=1&b=2)")).toBe('<a href="https://ex.com/?a=1&amp;b=2">x</a>');
    expect(renderTelegramHtml('[q](https://ex.com/"x")')).toBe('<a href="https://ex.com/&quot;x&quot;">q</a>');
    expect(renderTelegramHtml("[me](tg://user?id=1) [mail](mailto:a@b.c)")).toBe(
      '<a href="tg://user?id=1">me</a> <a href="mailto:a@b.c">mail</a>',
    );
    expect(renderTelegramHtml("see https://ex.com now")).toBe('see <a href="https://ex.com">https://ex.com</a> now');
    for (const href of ["ftp://x", "/relative", "data:text/html,x", "vbscript:x", "file:///etc/passwd"]) {
      expect(renderTelegramHtml(`[t](${href})`)).toBe("t");
    }
    expect(renderTelegramHtml("[`code` **b**](https://ex.com)")).toBe('<a href="https://ex.com">code <b>b</b></a>');
    expect(renderTelegramHtml(`[long](https://ex.com/${"a".repeat(3000)})`)).toBe("long");
  });

  it("renders images as links with their alt text", () => {
    expect(renderTelegramHtml("![a cat](https://ex.com/cat.png)")).toBe('<a href="https://ex.com/cat.png">a cat</a>');
    expect(renderTelegramHtml("![](https://ex.com/c.png)")).toBe(
      '<a href="https://ex.com/c.png">https://ex.com/c.png</a>',
    );
  });

  it("renders headings as bold lines and separates blocks by one blank line", () => {
    expect(renderTelegramHtml("# Title *x*\ntext\n\n\n\nmore\n\nSetext\n===")).toBe(
      "<b>Title <i>x</i></b>\n\ntext\n\nmore\n\n<b>Setext</b>",
    );
  });

  it("renders lists as bullet and number lines, nested ones indented", () => {
    expect(renderTelegramHtml("- a\n- **b**\n  - c\n    - d\n- e")).toBe("• a\n• <b>b</b>\n  • c\n    • d\n• e");
    expect(renderTelegramHtml("3. x\n4. y\n   1. z")).toBe("3. x\n4. y\n  1. z");
    expect(renderTelegramHtml("- [ ] todo\n- [x] done")).toBe("☐ todo\n☑ done");
    expect(renderTelegramHtml("- one\n\n- two")).toBe("• one\n\n• two");
  });

  it("renders blockquotes, flattening nested ones (Telegram forbids nesting)", () => {
    expect(renderTelegramHtml("> quoted **b**\n>\n> more")).toBe("<blockquote>quoted <b>b</b>\n\nmore</blockquote>");
    expect(renderTelegramHtml("> a\n> > b")).toBe("<blockquote>a\n\nb</blockquote>");
  });

  it("renders rules, tables and raw HTML", () => {
    expect(renderTelegramHtml("a\n\n---\n\nb")).toBe("a\n\n———\n\nb");
    expect(renderTelegramHtml("| a | b |\n|---|---|\n| 1 | <2> |")).toBe(
      "<pre>| a | b |\n|---|---|\n| 1 | &lt;2&gt; |</pre>",
    );
    expect(renderTelegramHtml("<div>hi</div>")).toBe("&lt;div&gt;hi&lt;/div&gt;");
    expect(renderTelegramHtml("a <b>not bold</b>")).toBe("a &lt;b&gt;not bold&lt;/b&gt;");
  });

  it("renders blank input as an empty string", () => {
    expect(renderTelegramHtml("")).toBe("");
    expect(renderTelegramHtml("\n\n  \n")).toBe("");
  });
});

describe("renderTelegramHtml: hostile input", () => {
  const hostile = [
    "<script>alert(1)</script>",
    "<!channel> <@U123> <https://x|y> <tg-spoiler>",
    "**unbalanced *mix ~~of `markers",
    "[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](java&#115;cript:alert(1)) [w](<javascript:x>)",
    '<a href="javascript:x">a</a> <img src=x onerror=alert(1)>',
    "&lt;b&gt; &#0; &#x110000; &#xD800; &bogus;",
    `${">".repeat(10_000)} deep`,
    "*".repeat(10_000),
    `${"*".repeat(5_000)}x${"*".repeat(5_000)}`,
    `${"- ".repeat(10_000)}x`,
    `${"[".repeat(10_000)}x${"](https://e.com)".repeat(100)}`,
    "a\u0000b\u0007c\u001bd\u007fe\r\nf\u0085g \ud800 lone \udc00",
  ];

  it.each(hostile.map((text) => [text.slice(0, 40), text]))("stays well-formed: %j", (_, markdown) => {
    const html = renderTelegramHtml(markdown);
    expect(tagProblem(html)).toBe("ok");
    expect(LONE_SURROGATE.test(html)).toBe(false);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting they are gone
    expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expectGoodSplit(html, 4096);
    expect(typeof toPlainText(markdown)).toBe("string");
  });

  it("shows model HTML as text", () => {
    expect(visible(renderTelegramHtml("<script>alert(1)</script>"))).toBe("<script>alert(1)</script>");
    expect(visible(renderTelegramHtml("hey <!channel>"))).toBe("hey <!channel>");
  });

  it("strips control characters and repairs lone surrogates", () => {
    expect(renderTelegramHtml("a\u0000b\u0007c\r\nd\te")).toBe("abc\nd\te");
    expect(renderTelegramHtml("x \ud800 y")).toBe("x \ufffd y");
  });

  it("degrades 10,000 nested quotes to escaped text instead of throwing", () => {
    const html = renderTelegramHtml(`${">".repeat(10_000)} <b>deep</b>`);
    expect(html.endsWith("&lt;b&gt;deep&lt;/b&gt;")).toBe(true);
  });
});

describe("splitTelegramHtml", () => {
  it("returns short HTML unchanged and blank HTML as no parts", () => {
    expect(splitTelegramHtml("<b>hi</b>")).toEqual(["<b>hi</b>"]);
    expect(splitTelegramHtml("")).toEqual([]);
    expect(splitTelegramHtml(`<b></b>${" ".repeat(5000)}`)).toEqual([]);
  });

  it("prefers paragraph, then line, then word boundaries", () => {
    const a = "a".repeat(30);
    expect(splitTelegramHtml(`${a}\n${a}\n\n${a} ${a}`, 70)).toEqual([`${a}\n${a}`, `${a} ${a}`]);
    expect(splitTelegramHtml(`${a} ${a}\n${a} ${a}`, 70)).toEqual([`${a} ${a}`, `${a} ${a}`]);
    expect(splitTelegramHtml(`${a} ${a} ${a}`, 70)).toEqual([`${a} ${a}`, a]);
    expect(splitTelegramHtml("b".repeat(100), 40)).toEqual(["b".repeat(40), "b".repeat(40), "b".repeat(20)]);
  });

  it("closes open elements at a cut and reopens them in the next part", () => {
    const html = `<blockquote><b>${"word ".repeat(20)}</b></blockquote>`;
    const parts = expectGoodSplit(html, 60);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part).toMatch(/^<blockquote><b>.*<\/b><\/blockquote>$/s);
  });

  it("keeps the language of a long code block in every part", () => {
    const code = Array.from({ length: 2_000 }, (_, i) => `line ${i} <&>`).join("\n");
    expect(code.length).toBeGreaterThan(20_000);
    const parts = expectGoodSplit(renderTelegramHtml(`\`\`\`py\n${code}\n\`\`\``), 4096);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(part).toMatch(/^<pre><code class="language-py">[\s\S]*<\/code><\/pre>$/);
    expect(parts.map((part) => visible(part)).join("\n")).toBe(code);
  });

  it("cuts a 20,000-character line of code without spaces into exact pieces", () => {
    const parts = expectGoodSplit(renderTelegramHtml(`\`\`\`\n${"x".repeat(20_000)}\n\`\`\``), 4096);
    expect(parts.map(visible).join("")).toBe("x".repeat(20_000));
  });

  it("never cuts an entity", () => {
    const html = renderTelegramHtml("&<>".repeat(3_000));
    for (const max of [37, 38, 39, 40, 41, 4096]) expectGoodSplit(html, max);
  });

  it("never cuts a surrogate pair, wherever the cut falls", () => {
    for (let offset = 0; offset < 12; offset++) {
      const markdown = `${"a".repeat(offset)}${"😀👩‍💻🇺🇦x".repeat(40)} **b😀b** ${"😀".repeat(100)}`;
      const html = renderTelegramHtml(markdown);
      for (let max = 20; max <= 40; max++) expectGoodSplit(html, max);
    }
  });

  it("keeps every invariant on generated documents at many limits", () => {
    for (const seed of [1, 2, 3]) {
      const html = renderTelegramHtml(sampleMarkdown(150, seed));
      for (const max of [4096, 1000, 300, 120]) expectGoodSplit(html, max);
    }
  });

  it("throws when the open tags leave no room for text", () => {
    expect(() => splitTelegramHtml(`<a href="https://ex.com/${"a".repeat(100)}">${"x".repeat(200)}</a>`, 80)).toThrow(
      RangeError,
    );
  });

  it("renders and splits 100 KB of Markdown quickly", () => {
    const markdown = sampleMarkdown(2_000, 7).slice(0, 100_000);
    expect(markdown.length).toBeGreaterThanOrEqual(100_000);
    const started = performance.now();
    const parts = splitTelegramHtml(renderTelegramHtml(markdown));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(parts.length).toBeGreaterThan(20);
  });
});

describe("toPlainText", () => {
  it("removes the formatting markers and emits no HTML", () => {
    const markdown =
      "# Title\n\n**b** *i* ~~s~~ `c<d` [x](https://ex.com) <https://a.b>\n\n- one\n- two\n\n> q\n\n```js\nx < 1\n```";
    expect(toPlainText(markdown)).toBe(
      "Title\n\nb i s c<d x (https://ex.com) https://a.b\n\n• one\n• two\n\n│ q\n\nx < 1",
    );
  });

  it("keeps hostile text as text", () => {
    expect(toPlainText("<script>alert(1)</script> [x](javascript:alert(1)) AT&amp;T")).toBe(
      "<script>alert(1)</script> x AT&T",
    );
    expect(toPlainText(`${">".repeat(10_000)} x`).endsWith(" x")).toBe(true);
  });
});
