import { setTimeout as sleep } from "node:timers/promises";
import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../../src/logger.js";
import { fatalPollingError, retryAfterMs } from "./telegram-errors.js";
import { ALLOWED_UPDATES } from "./telegram-updates.js";

type GrammySignal = Parameters<Api["getUpdates"]>[1];

/** How long to wait after failures: doubling from `baseMs` up to `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export interface PollerOptions {
  api: Api;
  logger: Logger;
  /**
   * Commits one update (resolves once it is stored or deliberately ignored); throws when it could not
   * be. Called for a whole batch at once, in order: it keeps each chat's order itself, and an album's
   * parts resolve together once the album is stored.
   */
  handle: (update: Update) => Promise<void>;
  /** Polling cannot go on (409, 401): the adapter reports it and stops. */
  onFatal: (detail: string, error: unknown) => void;
  backoff: Backoff;
  /** Seconds Telegram holds a long poll open. */
  timeoutSeconds: number;
}

/**
 * Our own getUpdates loop (not `bot.start()`, whose offset moves before we commit): the offset that
 * confirms an update is only sent after that update was handled, so an update the store refused comes
 * back on the next poll instead of being lost.
 */
export class TelegramPoller {
  readonly #options: PollerOptions;
  readonly #abort = new AbortController();
  #offset: number | undefined;
  /** API calls failed in a row. */
  #failures = 0;
  /** Updates the store refused in a row (reset once one is committed). */
  #refusals = 0;
  #done: Promise<void> | undefined;

  constructor(options: PollerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#done ??= this.#loop().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#options.logger.error({ err: error }, "telegram polling crashed");
    });
  }

  /** Aborts the long poll in flight and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error("stopped"));
    await this.#done;
  }

  async #loop(): Promise<void> {
    const { api, logger } = this.#options;
    // grammY types its signal parameter with an AbortSignal polyfill; the platform's is what it uses.
    const signal = this.#abort.signal as unknown as GrammySignal;
    const info = await this.#attempt(() => api.getWebhookInfo(signal));
    if (info === "stop") return;
    if (info.url !== "") {
      logger.warn({ url: info.url }, "a Telegram webhook is set; deleting it to use long polling");
      if ((await this.#attempt(() => api.deleteWebhook({}, signal))) === "stop") return;
    }
    while (!this.#abort.signal.aborted) {
      const options = { timeout: this.#options.timeoutSeconds, allowed_updates: [...ALLOWED_UPDATES] };
      const updates = await this.#attempt(() =>
        api.getUpdates(this.#offset === undefined ? options : { ...options, offset: this.#offset }, signal),
      );
      if (updates === "stop") return;
      const handled = updates.map((update) => this.#options.handle(update).then(() => undefined));
      for (const [index, update] of updates.entries()) {
        try {
          await handled[index];
        } catch (error) {
          // Not committed: keep the offset here, so Telegram sends this update (and the rest) again;
          // those of the rest that were stored are recognised then by their update_id.
          logger.warn({ err: error, updateId: update.update_id }, "telegram update not stored; will fetch it again");
          await Promise.allSettled(handled);
          await this.#pause(undefined, ++this.#refusals);
          break;
        }
        this.#offset = update.update_id + 1;
        this.#refusals = 0;
      }
    }
  }

  /** Runs one API call, backing off on errors until it succeeds; "stop" once stopped or on a fatal error. */
  async #attempt<T>(call: () => Promise<T>): Promise<T | "stop"> {
    for (;;) {
      if (this.#abort.signal.aborted) return "stop";
      try {
        const result = await call();
        this.#failures = 0;
        return result;
      } catch (error) {
        if (this.#abort.signal.aborted) return "stop";
        const fatal = fatalPollingError(error);
        if (fatal) {
          this.#options.onFatal(fatal, error);
          return "stop";
        }
        this.#options.logger.warn({ err: error }, "telegram polling failed; backing off");
        await this.#pause(retryAfterMs(error), ++this.#failures);
      }
    }
  }

  async #pause(askedMs: number | undefined, attempt: number): Promise<void> {
    const { baseMs, maxMs } = this.#options.backoff;
    const ms = askedMs ?? Math.min(maxMs, baseMs * 2 ** (attempt - 1));
    await sleep(ms, undefined, { signal: this.#abort.signal }).catch(() => undefined);
  }
}
