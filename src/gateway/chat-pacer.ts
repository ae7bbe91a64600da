import type { Clock } from "../ids.js";

/**
 * One pace per conversation, shared by everything that sends to it: the outbox (answers, notices) and
 * the previews streamed while a turn runs. A platform rate limit is per chat, so a 429 seen by
 * either holds both until its `retry_after` has passed; and a message sent by one counts for the
 * other's interval.
 */
export class ChatPacer {
  readonly #clock: Clock;
  /** When a conversation may next be called, as far as this process knows. */
  readonly #nextAt = new Map<string, number>();
  /** Entries this old are forgotten: a pace only matters for seconds, a rate limit for minutes. */
  static readonly FORGET_AFTER_MS = 15 * 60_000;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Milliseconds to wait before calling the conversation again (0: now). */
  waitFor(conversationKey: string): number {
    return Math.max(0, (this.#nextAt.get(conversationKey) ?? 0) - this.#clock());
  }

  /** Waits until the conversation may be called again. */
  async turn(conversationKey: string): Promise<void> {
    const wait = this.waitFor(conversationKey);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** A call went out now: the next one waits at least `intervalMs`. */
  sent(conversationKey: string, intervalMs: number): void {
    this.#later(conversationKey, this.#clock() + intervalMs);
  }

  /** The platform answered 429: nothing goes to the conversation for `retryAfterMs`. */
  hold(conversationKey: string, retryAfterMs: number): void {
    this.#later(conversationKey, this.#clock() + retryAfterMs);
  }

  #later(conversationKey: string, at: number): void {
    const now = this.#clock();
    if (this.#nextAt.size > 1000) {
      for (const [key, next] of this.#nextAt) if (next < now - ChatPacer.FORGET_AFTER_MS) this.#nextAt.delete(key);
    }
    this.#nextAt.set(conversationKey, Math.max(at, this.#nextAt.get(conversationKey) ?? 0));
  }
}
