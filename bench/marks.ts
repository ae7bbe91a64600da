import { nowMs, percentile } from "./load.js";

interface Mark {
  sent?: number;
  model?: number;
  lastToken?: number;
  replied?: number;
  /** The reply's text, for checking a streamed answer arrived whole. */
  text?: string;
}

/**
 * Timestamps per conversation, taken where each event is seen: the webhook request leaving the load
 * generator, the model request arriving at the fake model, its last token written, and the reply
 * arriving at the fake platform. All in this process, on one monotonic clock.
 */
export class Marks {
  readonly #marks = new Map<number, Mark>();
  readonly #waiting = new Set<{ ids: Set<number>; done: () => void }>();

  #of(id: number): Mark {
    let mark = this.#marks.get(id);
    if (!mark) {
      mark = {};
      this.#marks.set(id, mark);
    }
    return mark;
  }

  sent(id: number, at = nowMs()): void {
    this.#of(id).sent = at;
  }
  model(id: number): void {
    this.#of(id).model ??= nowMs();
  }
  /** Whether the model has seen a request of each id. */
  modelSaw(ids: number[]): boolean {
    return ids.every((id) => this.#marks.get(id)?.model !== undefined);
  }
  lastToken(id: number): void {
    this.#of(id).lastToken = nowMs();
  }
  replied(id: number, text: string): void {
    const mark = this.#of(id);
    if (mark.replied !== undefined) return;
    mark.replied = nowMs();
    mark.text = text;
    for (const waiting of this.#waiting) if (waiting.ids.delete(id) && waiting.ids.size === 0) waiting.done();
  }

  /** Resolves once every id has a reply, or after `timeoutMs`; returns the ids still without one. */
  async allReplied(ids: number[], timeoutMs: number): Promise<number[]> {
    const missing = new Set(ids.filter((id) => this.#marks.get(id)?.replied === undefined));
    if (missing.size > 0) {
      await new Promise<void>((resolve) => {
        const waiting = {
          ids: missing,
          done: () => {
            clearTimeout(timer);
            this.#waiting.delete(waiting);
            resolve();
          },
        };
        const timer = setTimeout(waiting.done, timeoutMs);
        this.#waiting.add(waiting);
      });
    }
    return [...missing];
  }

  get(id: number): Readonly<Mark> | undefined {
    return this.#marks.get(id);
  }

  /** p50 and p99 of `to - from` over the ids that have both marks. */
  spread(ids: number[], from: keyof Mark, to: keyof Mark): { p50Ms: number; p99Ms: number; count: number } {
    const values = ids
      .map((id) => this.#marks.get(id))
      .flatMap((m) => (typeof m?.[from] === "number" && typeof m[to] === "number" ? [m[to] - m[from]] : []))
      .sort((a, b) => a - b);
    return { p50Ms: percentile(values, 0.5), p99Ms: percentile(values, 0.99), count: values.length };
  }

  clear(): void {
    this.#marks.clear();
  }
}
