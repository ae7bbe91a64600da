const OPEN = "<think>";
const CLOSE = "</think>";

/**
 * Removes `<think>…</think>` reasoning from streamed text. Tags may be split
 * across chunks, so a tail that could begin a tag is held back until the next
 * chunk (or {@link flush}) decides it.
 */
export class ThinkFilter {
  #inside = false;
  #pending = "";

  push(delta: string): string {
    let text = this.#pending + delta;
    this.#pending = "";
    let visible = "";
    while (text.length > 0) {
      const tag = this.#inside ? CLOSE : OPEN;
      const at = text.indexOf(tag);
      if (at >= 0) {
        if (!this.#inside) visible += text.slice(0, at);
        text = text.slice(at + tag.length);
        this.#inside = !this.#inside;
        continue;
      }
      const keep = partialSuffix(text, tag);
      if (!this.#inside) visible += text.slice(0, text.length - keep);
      this.#pending = text.slice(text.length - keep);
      break;
    }
    return visible;
  }

  /** The held-back tail at the end of the stream; an unclosed think block is dropped. */
  flush(): string {
    const rest = this.#inside ? "" : this.#pending;
    this.#pending = "";
    return rest;
  }
}

function partialSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}

/** Strips think blocks from a complete text (used for stored history). */
export function stripThink(text: string): string {
  const filter = new ThinkFilter();
  return (filter.push(text) + filter.flush()).trim();
}
