import type { Clock } from "../ids.js";
import type { PaceRepository } from "../store/pace-repository.js";

/** How often forgotten entries are looked for, once there are many (looking on every call costs O(entries)). */
export const SWEEP_EVERY_MS = 60_000;

/** A pace kept in this process only: for a pacer that shares it with nobody (a gateway alone on its database, tests). */
export class MemoryPace implements PaceRepository {
  readonly #clock: Clock;
  readonly #rows = new Map<string, { nextAt: number; heldUntil: number }>();
  /** Conversations whose pace and hold ended this long ago are forgotten (bounded memory); never when unset. */
  readonly #forgetAfterMs: number | undefined;
  #sweptAt = 0;

  constructor(clock: Clock, forgetAfterMs?: number) {
    this.#clock = clock;
    this.#forgetAfterMs = forgetAfterMs;
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
    return this.#pruneSync(before);
  }

  #pruneSync(before: number): number {
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
      this.#forgetOld();
      row = { nextAt: 0, heldUntil: 0 };
      this.#rows.set(conversationKey, row);
    }
    return row;
  }

  /** Once there are many conversations, at most once a minute: those over long enough go. */
  #forgetOld(): void {
    const now = this.#clock();
    if (this.#forgetAfterMs === undefined || this.#rows.size <= 1000 || now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    this.#pruneSync(now - this.#forgetAfterMs);
  }
}
