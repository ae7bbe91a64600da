import type { ClaimedTurn, WorkScope } from "./types.js";

/**
 * Who is working on what: each running turn and each outbox row being sent carries its process's id
 * and a lease that the process renews while it lives. A lease that ran out means the process died,
 * and another takes the work over.
 */
export interface LeaseRepository {
  /** Running turns of the scope whose lease ran out (their process died), oldest first. */
  abandoned(scope: WorkScope): Promise<number[]>;
  /** Takes over an abandoned turn, counting the attempt; undefined if it is not abandoned (another took it). */
  reclaim(turnId: number, owner: string, leaseMs: number): Promise<ClaimedTurn | undefined>;
  /** Keeps this process's running turns and deliveries leased for `leaseMs` more. */
  renewLeases(owner: string, leaseMs: number): Promise<void>;
  /** Ends the leases of owners known to be gone (or of this process on shutdown), so others resume at once. */
  expireLeases(owners: readonly string[]): Promise<void>;
  /** Every process that holds a lease now. */
  leaseOwners(): Promise<string[]>;
  /**
   * Gives a running turn back to the queue: claimable at once, or after `afterMs`. With `refund`
   * the attempt does not count towards "abandoned too often" (the database refused a write; the
   * turn itself did nothing wrong).
   */
  release(turnId: number, options?: { afterMs?: number; refund?: boolean }): Promise<void>;
  /**
   * The message a turn streams natively, stored when the stream opens (null once it is stopped), so
   * that a process taking the turn over stops it and marks it interrupted.
   */
  setStream(turnId: number, messageId: string | null): Promise<void>;
  /** The message a turn's streamed preview shows, so a resumed turn edits it instead of posting again. */
  setPreview(turnId: number, messageId: string | null, text: string | null): Promise<void>;
}
