import type { Clock } from "../ids.js";
import type { PaceRepository } from "../store/pace-repository.js";

/** A pace kept in this process only: for a pacer that shares it with nobody (tests, a lone sender). */
export class MemoryPace implements PaceRepository {
  readonly #clock: Clock;
  readonly #rows = new Map<string, { nextAt: number; heldUntil: number }>();

  constructor(clock: Clock) {
    this.#clock = clock;
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
      row = { nextAt: 0, heldUntil: 0 };
      this.#rows.set(conversationKey, row);
    }
    return row;
  }
}
