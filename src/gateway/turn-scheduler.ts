import PQueue from "p-queue";
import type { QueueMode } from "../config/file-schema.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";
import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { ClaimedTurn, Session, WorkScope } from "../store/types.js";
import type { TurnApprovals } from "./approvals/turn-gate.js";
import type { ChannelAdapter } from "./channel.js";
import type { ChatPacer } from "./chat-pacer.js";
import type { GatewayMetrics } from "./metrics.js";
import { PollLoop } from "./poll-loop.js";
import { CancelRequest, executeTurn, TurnLeftRunning } from "./turn-execution.js";
import type { TurnRunnerDeps } from "./turn-runner.js";

const REFUSED_BACKOFF_MS = 250;
/**
 * Turns waiting for a person's approval take no turn slot (they hold no model connection), up to this
 * many at once; beyond it they count like running turns, so waiting stays bounded.
 */
const MAX_WAITING_TURNS = 1000;
const REFUSED_MAX_BACKOFF_MS = 30_000;

export interface TurnSchedulerOptions {
  runner: TurnRunnerDeps;
  experts: ExpertRegistry;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  /** The turns this process runs: its channels' (or one conversation's). */
  scope: WorkScope;
  owner: string;
  clock: Clock;
  logger: Logger;
  maxTurns: number;
  leaseMs: number;
  /** The queue mode a session runs in. */
  modeOf: (session: Session) => QueueMode;
  /** A turn found abandoned this many times is answered with an error instead. */
  maxAttempts?: number;
  pollMs?: number;
  /** Called when a turn wrote outbox rows. */
  onOutbox: () => void;
  /** The conversations' pace, shared with the outbox (previews honour its rate limits). */
  pacer?: ChatPacer;
  /** How tool calls under `ask` are decided; without it they are denied. */
  approvals?: TurnApprovals;
  /** Where turns are counted and timed. */
  metrics?: GatewayMetrics;
}

/**
 * Runs turns from the durable queue: one at a time per session, up to
 * `maxTurns` sessions at once. All state is in the database; this class only
 * remembers which of its own turns are running, to cancel them.
 */
export class TurnScheduler {
  readonly #options: TurnSchedulerOptions;
  readonly #queue: PQueue;
  readonly #running = new Map<number, { sessionId: string; abort: AbortController }>();
  /** Running turns that wait for an approval right now. */
  readonly #waiting = new Set<number>();
  readonly #loop: PollLoop;
  /** Turns whose writes the database refused, with how many times in a row (for the backoff). */
  readonly #refused = new Map<number, number>();
  /**
   * Turns given back whose release the database refused too (it was unreachable): until a release
   * succeeds this process would keep renewing their leases without running them, so every tick
   * tries again.
   */
  readonly #unreleased = new Map<number, { afterMs?: number; refund?: boolean }>();

  constructor(options: TurnSchedulerOptions) {
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.maxTurns + MAX_WAITING_TURNS });
    this.#loop = new PollLoop({
      tick: () => this.#tick(),
      pollMs: options.pollMs ?? 500,
      logger: options.logger,
      name: "scheduler",
    });
  }

  get store(): Store {
    return this.#options.runner.store;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  start(): void {
    this.#loop.start();
  }

  /** Looks for work now (a message was accepted, a turn ended, a cancel was asked for). */
  wake(): void {
    this.#loop.wake();
  }

  /**
   * Stops taking turns and lets running ones finish for up to `graceMs`; the
   * rest are cancelled and stay in the database for the next process.
   */
  async stop(graceMs: number): Promise<void> {
    await this.#loop.stop();
    const idle = this.#queue.onIdle();
    const timedOut = await Promise.race([
      idle.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
    ]);
    if (timedOut) {
      for (const run of this.#running.values()) run.abort.abort(new CancelRequest("shutdown"));
      await idle;
    }
  }

  async #tick(): Promise<void> {
    const { owner, leaseMs, maxTurns } = this.#options;
    for (const [turnId, options] of [...this.#unreleased]) await this.#release(turnId, options);
    for (const request of await this.store.queue.cancelRequests(owner)) {
      const run = this.#running.get(request.turnId);
      if (run && !run.abort.signal.aborted) run.abort.abort(new CancelRequest(request.kind));
    }
    const { scope } = this.#options;
    const free = () => maxTurns - this.#running.size + Math.min(this.#waiting.size, MAX_WAITING_TURNS);
    for (const turnId of await this.store.leases.abandoned(scope)) {
      if (free() <= 0) return;
      const claimed = await this.store.leases.reclaim(turnId, owner, leaseMs);
      if (claimed) this.#launch(claimed);
    }
    for (const sessionId of await this.store.queue.ready(scope, free())) {
      if (free() <= 0) return;
      const session = await this.store.sessions.get(sessionId);
      if (!session) continue;
      const expert = this.#options.experts.forSession(session.expert);
      const mode = this.#options.modeOf(session);
      const claimed = await this.store.queue.claim(sessionId, {
        owner,
        leaseMs,
        take: mode === "followup" ? "one" : "all",
        expert: expert.name,
        model: expert.model,
      });
      if (claimed) this.#launch(claimed);
    }
  }

  #launch(claimed: ClaimedTurn): void {
    const abort = new AbortController();
    this.#running.set(claimed.turn.id, { sessionId: claimed.session.id, abort });
    void this.#queue.add(async () => {
      const turnId = claimed.turn.id;
      const metrics = this.#options.metrics;
      const startedAt = this.#options.clock();
      const seconds = () => (this.#options.clock() - startedAt) / 1000;
      metrics?.turnStarted();
      try {
        await this.#run(claimed, abort.signal);
        this.#refused.delete(turnId);
        if (metrics) {
          const state = (await this.store.turns.get(turnId).catch(() => undefined))?.state;
          if (state !== undefined) metrics.turnEnded(state, seconds());
        }
      } catch (error) {
        metrics?.turnEnded("crashed", seconds());
        if (error instanceof TurnLeftRunning || !this.store.refusesWrites(error)) {
          if (error instanceof TurnLeftRunning)
            this.#options.logger.info({ turn: turnId }, "turn left for the next start");
          else this.#options.logger.error({ err: error, turn: turnId }, "turn crashed; it will be tried again");
          await this.#release(turnId, {});
        } else await this.#refusedWrite(turnId, error);
      } finally {
        this.#running.delete(turnId);
        this.#waiting.delete(turnId);
        this.#options.onOutbox();
        this.wake();
      }
    });
  }

  /**
   * A full or read-only database is no fault of the turn: it waits (backing off, so a full disk
   * does not spin) and runs again without using up its attempts, until space returns.
   */
  async #refusedWrite(turnId: number, error: unknown): Promise<void> {
    const times = (this.#refused.get(turnId) ?? 0) + 1;
    this.#refused.set(turnId, times);
    const afterMs = Math.min(REFUSED_MAX_BACKOFF_MS, REFUSED_BACKOFF_MS * 2 ** (times - 1));
    this.#options.logger.error(
      { err: error, turn: turnId, retryInMs: afterMs },
      "the database refused a write (full or read-only?); the turn runs again when it can",
    );
    await this.#release(turnId, { afterMs, refund: true });
  }

  /** Gives a turn back to the queue; when the database refuses that too, the next ticks try again. */
  async #release(turnId: number, options: { afterMs?: number; refund?: boolean }): Promise<void> {
    try {
      await this.store.leases.release(turnId, options);
      this.#unreleased.delete(turnId);
    } catch {
      this.#unreleased.set(turnId, options);
    }
  }

  async #run(claimed: ClaimedTurn, signal: AbortSignal): Promise<void> {
    const adapter = this.#options.adapters.get(claimed.session.channel);
    if (!adapter) return;
    await executeTurn(
      {
        runner: this.#options.runner,
        experts: this.#options.experts,
        adapter,
        clock: this.#options.clock,
        logger: this.#options.logger,
        mode: this.#options.modeOf(claimed.session),
        maxAttempts: this.#options.maxAttempts ?? 3,
        wakeOutbox: this.#options.onOutbox,
        ...(this.#options.pacer ? { pacer: this.#options.pacer } : {}),
        ...(this.#options.approvals ? { approvals: this.#options.approvals } : {}),
        onWaiting: (waiting) => {
          if (waiting) this.#waiting.add(claimed.turn.id);
          else this.#waiting.delete(claimed.turn.id);
          // A slot came free (or was taken back): other sessions' turns may start now.
          if (waiting) this.wake();
        },
      },
      claimed,
      signal,
    );
  }
}
