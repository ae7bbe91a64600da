import { cutPoint } from "./graphemes.js";

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

interface Block {
  text: string;
  /** The opening fence line of a code block, to repeat when the block must be cut. */
  fence?: string;
}

/**
 * Splits Markdown into parts of at most `max` characters: between paragraphs
 * first, then lines, then words. A code block is never cut open: one too long
 * for a part is split into several closed blocks. Characters stay whole: a cut inside a word falls
 * between grapheme clusters (flags, ZWJ families, accents), see `cutPoint`.
 */
export function splitMessage(text: string, max: number): string[] {
  if (max < 16) throw new RangeError("max must be at least 16 characters");
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim() !== "") parts.push(current);
    current = "";
  };
  for (const block of toBlocks(text)) {
    for (const piece of block.text.length <= max ? [block.text] : cutBlock(block, max)) {
      const joined = current === "" ? piece : `${current}\n\n${piece}`;
      if (joined.length <= max) current = joined;
      else {
        flush();
        current = piece;
      }
    }
  }
  flush();
  return parts;
}

function toBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.some((line) => line.trim() !== "")) blocks.push({ text: paragraph.join("\n").trim() });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const open = FENCE.exec(line);
    if (open) {
      endParagraph();
      const marker = open[2] ?? "```";
      const body = [line];
      let j = i + 1;
      for (; j < lines.length; j++) {
        body.push(lines[j] ?? "");
        if ((lines[j] ?? "").trim().startsWith(marker)) break;
      }
      if (j >= lines.length) body.push(marker);
      blocks.push({ text: body.join("\n"), fence: line });
      i = j;
    } else if (line.trim() === "") {
      endParagraph();
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return blocks;
}

function cutBlock(block: Block, max: number): string[] {
  if (!block.fence) return packUnits(block.text.split("\n"), "\n", max);
  const lines = block.text.split("\n");
  const fence = block.fence;
  const close = FENCE.exec(fence)?.[2] ?? "```";
  const inner = lines.slice(1, -1);
  const room = max - fence.length - close.length - 2;
  return packUnits(inner, "\n", room).map((chunk) => `${fence}\n${chunk}\n${close}`);
}

/** Packs units joined by `separator` into chunks ≤ max, cutting oversized units at spaces, then between grapheme clusters. */
function packUnits(units: string[], separator: string, max: number): string[] {
  const chunks: string[] = [];
  let current = "";
  for (const unit of units.flatMap((u) => (u.length <= max ? [u] : cutLong(u, max)))) {
    const joined = current === "" ? unit : `${current}${separator}${unit}`;
    if (joined.length <= max) current = joined;
    else {
      if (current !== "") chunks.push(current);
      current = unit;
    }
  }
  if (current !== "") chunks.push(current);
  return chunks;
}

function cutLong(text: string, max: number): string[] {
  const words = text.split(" ");
  if (words.length > 1 && words.every((word) => word.length <= max)) return packUnits(words, " ", max);
  const chunks: string[] = [];
  let from = 0;
  while (text.length - from > max) {
    const cut = cutPoint(text, from + max, from);
    chunks.push(text.slice(from, cut));
    from = cut;
  }
  if (from < text.length) chunks.push(text.slice(from));
  return chunks;
}
