/** How the agent loop waits between attempts; tests pass a sleep that does not. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * The most a turn waits between attempts in all (default 10 minutes): a `Retry-After` that would
   * take it past this ends the turn with a message at once, instead of a silent wait.
   */
  maxTotalWaitMs?: number;
  /** A wait longer than this (default 30 s) is announced to the user with the time of the next try. */
  announceAfterMs?: number;
}

export const MAX_TOTAL_WAIT_MS = 10 * 60_000;
export const ANNOUNCE_AFTER_MS = 30_000;

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  sleep: abortableSleep,
};

/**
 * Exponential backoff with jitter, unless the server said how long (`Retry-After`, taken as it is:
 * trying earlier only earns another refusal; the caller bounds the total).
 */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, exponential * (0.75 + Math.random() * 0.5));
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
