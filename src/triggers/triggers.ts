import type { TriggerSettings } from "../config/file-schema.js";
import { ConfigError, NotFoundError } from "../errors.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import { PollLoop } from "../gateway/poll-loop.js";
import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { FireOutcome } from "../store/trigger-repository.js";
import { nextFireAt } from "./cron-schedule.js";
import { destinationOf } from "./destination.js";
import { settleRuns } from "./run-settler.js";
import { type Firing, fireTrigger } from "./trigger-firer.js";

export interface TriggersOptions {
  triggers: readonly TriggerSettings[];
  store: Store;
  experts: ExpertRegistry;
  /** The gateway's channels: runs post through them (and learn the threads their results start). */
  adapters: ReadonlyMap<string, ChannelAdapter>;
  clock: Clock;
  logger: Logger;
  /** A run's prompt was queued: look for work now. */
  onQueued: () => void;
  pollMs?: number;
}

/** The longest sleep between schedule checks, so a changed wall clock is noticed. */
const MAX_SLEEP_MS = 60_000;

/**
 * The triggers of a running gateway: fires schedules when due (in their time
 * zones), fires webhooks and manual runs, and ends runs once their result is
 * delivered. Runs themselves are ordinary sessions in the turn queue.
 */
export class Triggers {
  readonly #options: TriggersOptions;
  readonly #byName: Map<string, TriggerSettings>;
  readonly #due = new Map<string, number>();
  readonly #settle: PollLoop;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: TriggersOptions) {
    this.#options = options;
    this.#byName = new Map(options.triggers.map((trigger) => [trigger.name, trigger]));
    for (const trigger of options.triggers) {
      if (trigger.expert !== undefined && !options.experts.get(trigger.expert)) {
        throw new ConfigError(`trigger ${trigger.name}: no Expert "${trigger.expert}"`);
      }
    }
    this.#settle = new PollLoop({
      tick: () => this.settle(),
      pollMs: options.pollMs ?? 1000,
      logger: options.logger,
      name: "triggers",
    });
  }

  get(name: string): TriggerSettings {
    const trigger = this.#byName.get(name);
    if (!trigger) throw new NotFoundError(`no trigger "${name}"`);
    return trigger;
  }

  /** When each scheduled trigger fires next (as this process counts). */
  nextFire(name: string): number | undefined {
    return this.#due.get(name);
  }

  start(): void {
    this.#running = true;
    for (const trigger of this.#options.triggers) {
      const { channel } = destinationOf(trigger.name, trigger.destination);
      if (!this.#options.adapters.has(channel)) {
        this.#options.logger.warn(
          { trigger: trigger.name, channel },
          "the destination channel of this trigger is not configured: its runs wait until it is",
        );
      }
    }
    const now = this.#options.clock();
    for (const trigger of this.#options.triggers) {
      const next = trigger.schedule ? nextFireAt(trigger.schedule, now) : undefined;
      if (next !== undefined) this.#due.set(trigger.name, next);
    }
    this.#settle.start();
    this.#arm();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#settle.stop();
  }

  /** A delivery happened: a run may have ended. */
  wake(): void {
    this.#settle.wake();
  }

  async fire(name: string, firing: Firing): Promise<FireOutcome> {
    const outcome = await fireTrigger(this.#options, this.get(name), firing);
    const { run } = outcome;
    if (run.status === "skipped") {
      if (!outcome.duplicate)
        this.#options.logger.info({ trigger: name, run: run.id, reason: run.error }, "trigger skipped");
    } else if (!outcome.duplicate) {
      this.#options.logger.info({ trigger: name, run: run.id, source: firing.source }, "trigger fired");
      this.#options.onQueued();
    }
    return outcome;
  }

  /**
   * Fires every schedule that is due by the clock, once per due time (the due
   * time is the idempotency key, so two gateways on one database fire it once).
   */
  async fireDue(): Promise<void> {
    const now = this.#options.clock();
    for (const [name, due] of this.#due) {
      if (due > now) continue;
      const schedule = this.get(name).schedule;
      const next = schedule ? nextFireAt(schedule, now) : undefined;
      if (next === undefined) this.#due.delete(name);
      else this.#due.set(name, next);
      await this.fire(name, { source: "schedule", idempotencyKey: `schedule:${new Date(due).toISOString()}` }).catch(
        (error: unknown) => this.#options.logger.error({ err: error, trigger: name }, "scheduled firing failed"),
      );
    }
  }

  /** Ends runs whose result went out; see {@link settleRuns}. */
  settle(): Promise<number> {
    return settleRuns({ ...this.#options, triggers: this.#byName });
  }

  #arm(): void {
    if (!this.#running) return;
    const soonest = Math.min(...this.#due.values());
    const wait = Math.max(0, Math.min(MAX_SLEEP_MS, soonest - this.#options.clock()));
    this.#timer = setTimeout(() => {
      void this.fireDue().finally(() => this.#arm());
    }, wait);
    this.#timer.unref();
  }
}
