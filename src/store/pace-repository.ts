/**
 * The send pace of each conversation, shared by every process on the database: two gateways
 * sending to one chat take turns from one schedule, so together they keep the platform's per-chat
 * rate, and a 429 seen by one holds the others too.
 */
export interface PaceRepository {
  /**
   * Reserves the conversation's next send slot and returns it (epoch ms): `now` or later, not
   * before a hold ends and at least `intervalMs` after the slot reserved before it. The slot after
   * this one is `intervalMs` later. Atomic: two callers never get the same slot.
   */
  reserve(conversationKey: string, intervalMs: number): Promise<number>;
  /** Nothing may go to the conversation before `until` (a 429's `retry_after`); a hold is never shortened. */
  hold(conversationKey: string, until: number): Promise<void>;
  /** The conversation's next free slot and the end of its hold (0: none), epoch ms. */
  state(conversationKey: string): Promise<{ nextAt: number; heldUntil: number }>;
  /** Forgets conversations whose pace and hold ended before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
