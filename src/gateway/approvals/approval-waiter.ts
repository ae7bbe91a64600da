import { NotFoundError } from "../../errors.js";
import type { Clock } from "../../ids.js";
import type { ToolApproval } from "../../store/approval-repository.js";
import type { Store } from "../../store/store.js";
import { settleApproval } from "./approval-settle.js";

/**
 * Where turns wait for their approval requests. The decision is read from the store, so it may come
 * from any process (a button pressed on another instance); a decision made here wakes the waiters at
 * once, others are seen at the next look (every `pollMs`). Waiting holds no model connection, and a
 * request past its time is denied here ("timed out").
 */
export class ApprovalWaiter {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #wakers = new Set<() => void>();

  constructor(options: { store: Store; clock: Clock; pollMs: number }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#pollMs = options.pollMs;
  }

  /** A request was decided in this process: every waiter looks again now. */
  wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** The request once decided (or timed out); rejects with the signal's reason when the turn is cancelled. */
  async wait(approvalId: number, signal: AbortSignal): Promise<ToolApproval> {
    for (;;) {
      signal.throwIfAborted();
      const approval = await this.#store.approvals.get(approvalId);
      if (!approval) throw new NotFoundError(`approval request ${approvalId} is gone (its session was deleted)`);
      if (approval.state !== "pending") return approval;
      const left = approval.expiresAt - this.#clock();
      if (left <= 0) {
        const timedOut = await settleApproval(this.#store, approvalId, {
          state: "denied",
          by: "timeout",
          reason: "timed out",
        });
        if (timedOut) return timedOut;
        continue;
      }
      await this.#pause(Math.min(left, this.#pollMs), signal);
    }
  }

  #pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (aborted: boolean) => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        signal.removeEventListener("abort", abort);
        if (aborted) reject(signal.reason);
        else resolve();
      };
      const wake = () => settle(false);
      const abort = () => settle(true);
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
      signal.addEventListener("abort", abort, { once: true });
    });
  }
}
