import type { Logger } from "../logger.js";

/**
 * Runs `tick` whenever there may be work: at once when woken (a burst of
 * wakes becomes one tick), and every `pollMs` for work that other processes
 * wrote or that became due. Never two ticks at a time.
 */
export class PollLoop {
  readonly #tick: () => Promise<unknown>;
  readonly #pollMs: number;
  readonly #logger: Logger;
  readonly #name: string;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #again = false;
  #scheduled = false;
  #stopped = true;
  #current: Promise<void> = Promise.resolve();

  constructor(options: { tick: () => Promise<unknown>; pollMs: number; logger: Logger; name: string }) {
    this.#tick = options.tick;
    this.#pollMs = options.pollMs;
    this.#logger = options.logger;
    this.#name = options.name;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  wake(): void {
    if (this.#stopped || this.#scheduled) return;
    this.#scheduled = true;
    clearTimeout(this.#timer);
    setImmediate(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  /** Stops ticking; resolves when a tick under way has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current;
  }

  #run(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    this.#current = this.#tick()
      .then(() => undefined)
      .catch((error: unknown) => this.#logger.error({ err: error }, `${this.#name} tick failed`))
      .finally(() => {
        this.#ticking = false;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.wake();
        } else {
          this.#timer = setTimeout(() => this.wake(), this.#pollMs);
        }
      });
  }
}
