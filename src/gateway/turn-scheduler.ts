import PQueue from "p-queue";
import type { QueueMode } from "../config/file-schema.js";
import { describeError } from "../errors.js";
import type { Expert, ExpertRegistry } from "../experts/expert-registry.js";
import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { ClaimedTurn } from "../store/types.js";
import type { ChannelAdapter } from "./channel.js";
import { faultPoint } from "./fault-points.js";
import { PreviewStreamer } from "./preview-streamer.js";
import { runStoredTurn, type TurnRunnerDeps } from "./turn-runner.js";

export interface TurnSchedulerOptions {
  runner: TurnRunnerDeps;
  experts: ExpertRegistry;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  owner: string;
  clock: Clock;
  logger: Logger;
  maxTurns: number;
  leaseMs: number;
  defaultMode: QueueMode;
  /** A turn found abandoned this many times is answered with an error instead. */
  maxAttempts?: number;
  pollMs?: number;
  /** Called when a turn wrote outbox rows. */
  onOutbox: () => void;
}

const TYPING_EVERY_MS = 4000;

/**
 * Runs turns from the durable queue: one at a time per session, up to
 * `maxTurns` sessions at once. All state is in the database; this class only
 * remembers which of its own turns are running, to cancel them.
 */
export class TurnScheduler {
  readonly #options: TurnSchedulerOptions;
  readonly #queue: PQueue;
  readonly #running = new Map<number, { sessionId: string; abort: AbortController }>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #again = false;
  #scheduled = false;
  #stopped = true;

  constructor(options: TurnSchedulerOptions) {
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.maxTurns });
  }

  get store(): Store {
    return this.#options.runner.store;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  /** Looks for work now (a message was accepted, a turn ended). */
  wake(): void {
    if (this.#stopped || this.#scheduled) return;
    // Coalesce a burst of wakes (many messages at once) into one look at the database.
    this.#scheduled = true;
    clearTimeout(this.#timer);
    setImmediate(() => {
      this.#scheduled = false;
      this.#runTick();
    });
  }

  #runTick(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    this.#tick()
      .catch((error: unknown) => this.#options.logger.error({ err: error }, "scheduler tick failed"))
      .finally(() => {
        this.#ticking = false;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.wake();
        } else {
          this.#timer = setTimeout(() => this.wake(), this.#options.pollMs ?? 500);
        }
      });
  }

  /** Cancels the running turn of a session; true if there was one. */
  cancel(sessionId: string, reason: unknown): boolean {
    for (const run of this.#running.values()) {
      if (run.sessionId === sessionId) {
        run.abort.abort(reason);
        return true;
      }
    }
    return false;
  }

  /**
   * Stops taking turns and lets running ones finish for up to `graceMs`; the
   * rest are cancelled and stay in the database for the next process.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const idle = this.#queue.onIdle();
    const timedOut = await Promise.race([
      idle.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
    ]);
    if (timedOut) {
      for (const run of this.#running.values()) run.abort.abort(new Error("shutdown"));
      await idle;
    }
  }

  async #tick(): Promise<void> {
    const { owner, leaseMs, adapters, maxTurns } = this.#options;
    const channels = [...adapters.keys()];
    const free = () => maxTurns - this.#running.size;
    for (const turnId of await this.store.queue.abandoned(channels)) {
      if (free() <= 0) return;
      const claimed = await this.store.queue.reclaim(turnId, owner, leaseMs);
      if (claimed) this.#launch(claimed);
    }
    for (const sessionId of await this.store.queue.ready(channels, free())) {
      if (free() <= 0) return;
      const session = await this.store.sessions.get(sessionId);
      if (!session) continue;
      const expert = this.#options.experts.forSession(session.expert);
      const mode = session.mode ?? expert.mode ?? this.#options.defaultMode;
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
      try {
        await this.#run(claimed, abort.signal);
      } catch (error) {
        if (error instanceof TurnAborted)
          this.#options.logger.info({ turn: claimed.turn.id }, "turn left for the next start");
        else this.#options.logger.error({ err: error, turn: claimed.turn.id }, "turn crashed; it will be tried again");
        await this.store.queue.release(claimed.turn.id).catch(() => undefined);
      } finally {
        this.#running.delete(claimed.turn.id);
        this.#options.onOutbox();
        this.wake();
      }
    });
  }

  async #run(claimed: ClaimedTurn, signal: AbortSignal): Promise<void> {
    const { experts, adapters, logger, clock } = this.#options;
    const { turn, session, inbound } = claimed;
    const adapter = adapters.get(session.channel);
    if (!adapter) return;
    const expert: Expert = experts.forSession(turn.expert);
    const lastInbound = inbound.at(-1);
    const route = {
      channel: session.channel,
      conversationKey: session.conversationKey,
      replyToMessageId: lastInbound?.platformMessageId ?? null,
    };
    if (claimed.resumed) {
      if (claimed.previewMessageId) {
        await this.store.outbox.enqueue({
          ...route,
          sessionId: session.id,
          kind: "edit",
          text: `${(claimed.previewText ?? "").replace(/ …$/, "")}\n\n(interrupted)`,
          editMessageId: claimed.previewMessageId,
        });
        await this.store.queue.setPreview(turn.id, null, null);
      }
      if (turn.attempts > (this.#options.maxAttempts ?? 3)) {
        logger.error({ turn: turn.id, attempts: turn.attempts }, "turn abandoned too often; answering with an error");
        await this.store.turns.finish(turn.id, "failed", {
          error: `abandoned ${turn.attempts - 1} times`,
          answer: {
            ...route,
            sessionId: session.id,
            kind: "error",
            text: "Sorry, I could not answer this message: the gateway stopped while working on it several times.",
          },
        });
        return;
      }
      logger.info({ turn: turn.id, attempt: turn.attempts }, "resuming a turn left by a stopped process");
    }
    const preview = adapter.limits.previews
      ? new PreviewStreamer({
          adapter,
          conversationKey: session.conversationKey,
          clock,
          logger,
          onPreview: async (messageId, text) => {
            await this.store.queue.setPreview(turn.id, messageId, text);
            faultPoint("mid-stream");
          },
        })
      : undefined;
    const typing = this.#keepTyping(adapter, session.conversationKey);
    try {
      for await (const event of runStoredTurn(this.#options.runner, {
        session,
        expert,
        turnId: turn.id,
        signal,
        userId: lastInbound ? `${session.channel}:${lastInbound.senderId}` : null,
        answer: async () => {
          await preview?.close();
          return { ...route, ...(preview?.messageId ? { editMessageId: preview.messageId } : {}) };
        },
      })) {
        if (event.type === "text") {
          preview?.push(event.delta);
          if (!preview) faultPoint("mid-stream");
        } else if (event.type === "error") {
          if (event.error.code === "MODEL_ABORTED") throw new TurnAborted(describeError(signal.reason));
          logger.warn({ turn: turn.id, code: event.error.code, error: event.error.message }, "turn failed");
        }
      }
    } finally {
      clearInterval(typing);
      await preview?.close();
    }
  }

  #keepTyping(adapter: ChannelAdapter, conversationKey: string): NodeJS.Timeout | undefined {
    if (!adapter.typing) return undefined;
    const show = () => {
      adapter.typing?.(conversationKey).catch(() => undefined);
    };
    show();
    return setInterval(show, TYPING_EVERY_MS);
  }
}

/** A turn cancelled by shutdown: it stays running in the database for the next process. */
class TurnAborted extends Error {}
