import type { Clock } from "../ids.js";
import type { PaceRepository } from "../store/pace-repository.js";

/** How often forgotten entries are looked for, once there are many (looking on every call costs O(entries)). */
export const SWEEP_EVERY_MS = 60_000;
/** Below this many entries nothing is looked for. */
const SWEEP_ABOVE = 1000;

/**
 * Keeps a map of per-conversation times bounded: once it holds over 1,000 entries, at most once a
 * minute, those whose time ended more than `forgetAfterMs` ago go.
 */
export class ForgetOld {
  readonly #clock: Clock;
  readonly #forgetAfterMs: number;
  #sweptAt = 0;

  constructor(clock: Clock, forgetAfterMs: number) {
    this.#clock = clock;
    this.#forgetAfterMs = forgetAfterMs;
  }

  sweep<V>(entries: Map<string, V>, endOf: (value: V) => number): void {
    const now = this.#clock();
    if (entries.size <= SWEEP_ABOVE || now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    const before = now - this.#forgetAfterMs;
    for (const [key, value] of entries) if (endOf(value) < before) entries.delete(key);
  }
}

/** A pace kept in this process only: for a pacer that shares it with nobody (a gateway alone on its database, tests). */
export class MemoryPace implements PaceRepository {
  readonly #clock: Clock;
  readonly #rows = new Map<string, { nextAt: number; heldUntil: number }>();
  /** Conversations whose pace and hold ended this long ago are forgotten (bounded memory); never when unset. */
  readonly #forget: ForgetOld | undefined;

  constructor(clock: Clock, forgetAfterMs?: number) {
    this.#clock = clock;
    this.#forget = forgetAfterMs === undefined ? undefined : new ForgetOld(clock, forgetAfterMs);
  }

  async reserve(conversationKey: string, intervalMs: number): Promise<number> {
    const row = this.#row(conversationKey);
    const slot = Math.max(row.nextAt, row.heldUntil, this.#clock());
    row.nextAt = slot + intervalMs;
    return slot;
  }

  async hold(conversationKey: string, until: number): Promise<void> {
    const row = this.#row(conversationKey);
    row.heldUntil = Math.max(row.heldUntil, until);
  }

  async state(conversationKey: string): Promise<{ nextAt: number; heldUntil: number }> {
    return { ...(this.#rows.get(conversationKey) ?? { nextAt: 0, heldUntil: 0 }) };
  }

  async prune(before: number): Promise<number> {
    let pruned = 0;
    for (const [key, row] of this.#rows) {
      if (row.nextAt < before && row.heldUntil < before) {
        this.#rows.delete(key);
        pruned++;
      }
    }
    return pruned;
  }

  #row(conversationKey: string): { nextAt: number; heldUntil: number } {
    let row = this.#rows.get(conversationKey);
    if (!row) {
      this.#forget?.sweep(this.#rows, (old) => Math.max(old.nextAt, old.heldUntil));
      row = { nextAt: 0, heldUntil: 0 };
      this.#rows.set(conversationKey, row);
    }
    return row;
  }
}
