import type { Clock } from "../ids.js";
import type { PaceRepository } from "../store/pace-repository.js";
import { ForgetOld, MemoryPace } from "./memory-pace.js";

/** A reservation that finds a hold placed while it waited reserves again, at most this often. */
const MAX_RESERVATIONS = 20;

/**
 * One pace per conversation, shared by everything that sends to it: the outbox (answers, notices) and
 * the previews streamed while a turn runs, in this process and, through the store's
 * {@link PaceRepository}, in every other gateway on the database. A platform rate limit is per chat,
 * so a 429 seen by any of them holds all until its `retry_after` has passed, and a message sent by
 * one counts for the others' interval.
 */
export class ChatPacer {
  readonly #clock: Clock;
  readonly #shared: PaceRepository;
  /** When a conversation may next be called, as far as this process last heard. */
  readonly #nextAt = new Map<string, number>();
  /** Entries this old are forgotten: a pace only matters for seconds, a rate limit for minutes. */
  static readonly FORGET_AFTER_MS = 15 * 60_000;
  readonly #forget: ForgetOld;

  /** `shared`: the store's pace (several processes); without it the pace lives in this process only (bounded). */
  constructor(clock: Clock, shared?: PaceRepository) {
    this.#clock = clock;
    this.#shared = shared ?? new MemoryPace(clock, ChatPacer.FORGET_AFTER_MS);
    this.#forget = new ForgetOld(clock, ChatPacer.FORGET_AFTER_MS);
  }

  /** Milliseconds to wait before calling the conversation again (0: now), as far as this process knows. */
  waitFor(conversationKey: string): number {
    return Math.max(0, (this.#nextAt.get(conversationKey) ?? 0) - this.#clock());
  }

  /** Asks the shared pace when the conversation may next be called; milliseconds to wait (0: now). */
  async refresh(conversationKey: string): Promise<number> {
    const { nextAt, heldUntil } = await this.#shared.state(conversationKey);
    this.#later(conversationKey, Math.max(nextAt, heldUntil));
    return this.waitFor(conversationKey);
  }

  /**
   * Takes the conversation's next send slot (the next call waits at least `intervalMs` after it) and
   * waits for it. A hold that another sender placed while this one waited is waited out too.
   */
  async take(conversationKey: string, intervalMs: number): Promise<void> {
    for (let reservation = 1; ; reservation++) {
      const slot = await this.#shared.reserve(conversationKey, intervalMs);
      this.#later(conversationKey, slot + intervalMs);
      const wait = slot - this.#clock();
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (reservation >= MAX_RESERVATIONS) return;
      const { heldUntil } = await this.#shared.state(conversationKey);
      if (heldUntil <= this.#clock()) return;
    }
  }

  /** The platform answered 429: nothing goes to the conversation for `retryAfterMs`, from any process. */
  async hold(conversationKey: string, retryAfterMs: number): Promise<void> {
    const until = this.#clock() + retryAfterMs;
    this.#later(conversationKey, until);
    await this.#shared.hold(conversationKey, until);
  }

  #later(conversationKey: string, at: number): void {
    this.#forget.sweep(this.#nextAt, (next) => next);
    this.#nextAt.set(conversationKey, Math.max(at, this.#nextAt.get(conversationKey) ?? 0));
  }
}
