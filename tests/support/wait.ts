/**
 * How long a test waits for a condition before it fails. Generous on purpose: on a busy 2-core
 * machine one CLI command takes ten times as long as on a quiet one. A test waits for what it needs
 * (a reply visible, a row committed, a process gone) and never asserts how fast; `bench/` measures that.
 */
export const PATIENCE_MS = 60_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns something other than undefined/false; fails after `timeoutMs`
 * with `what` (a text, or a function that describes the state at that moment).
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string | (() => string),
  timeoutMs = PATIENCE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    }
    await sleep(20);
  }
}
