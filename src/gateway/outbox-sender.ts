import { rmSync } from "node:fs";
import { describeError } from "../errors.js";
import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { OutboxFile, OutboxRow, WorkScope } from "../store/types.js";
import { type ChannelAdapter, ChannelError } from "./channel.js";
import { ChatPacer } from "./chat-pacer.js";
import { faultPoint } from "./fault-points.js";
import { splitMessage } from "./message-splitter.js";
import type { GatewayMetrics } from "./metrics.js";
import { PollLoop } from "./poll-loop.js";
import { sendStoredFile } from "./send-stored-file.js";

export interface OutboxSenderOptions {
  store: Store;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  /** The rows this process delivers: its channels' (or one conversation's). */
  scope: WorkScope;
  owner: string;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  /** How often to look for due rows written by others or waiting for a retry. */
  pollMs?: number;
  maxAttempts?: number;
  /** The pace shared with previews; one of its own when not given. */
  pacer?: ChatPacer;
  /** Where 429s and retries are counted. */
  metrics?: GatewayMetrics;
  /** Called after a row is delivered (triggers archive their session then). */
  onDelivered?: (row: OutboxRow) => void;
}

const MAX_BACKOFF_MS = 60_000;
const MAX_RATE_LIMIT_WAITS = 20;

/**
 * Delivers outbox rows: claims them with a lease, paces each conversation,
 * sends long answers part by part (recording each part, so a restart goes on
 * from the next), waits out 429s, backs off on 5xx and gives up on permanent
 * failures without retrying.
 */
export class OutboxSender {
  readonly #options: OutboxSenderOptions;
  readonly #pacer: ChatPacer;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #rateLimitWaits = new Map<number, number>();
  readonly #loop: PollLoop;

  constructor(options: OutboxSenderOptions) {
    this.#options = options;
    this.#pacer = options.pacer ?? new ChatPacer(options.clock);
    this.#loop = new PollLoop({
      tick: () => this.#tick(),
      pollMs: options.pollMs ?? 250,
      logger: options.logger,
      name: "outbox",
    });
  }

  start(): void {
    this.#loop.start();
  }

  /** Looks for work now (after a row was written). */
  wake(): void {
    this.#loop.wake();
  }

  /**
   * Stops the background loop, then keeps delivering what is due (an answer
   * that a draining turn just wrote, the next row of a conversation) until
   * nothing is left or `graceMs` is over. The rest waits in the database.
   */
  async stop(graceMs = 5000): Promise<void> {
    const deadline = Date.now() + graceMs;
    const timeLeft = () =>
      new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
    await this.#loop.stop();
    while (Date.now() < deadline) {
      const claimed = await this.#tick().catch(() => 0);
      await Promise.race([Promise.allSettled([...this.#inFlight]), timeLeft()]);
      if (claimed === 0 && this.#inFlight.size === 0) return;
    }
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Claims due rows and starts delivering them; returns how many it claimed. */
  async #tick(): Promise<number> {
    const { store, owner, leaseMs } = this.#options;
    // The claim hands out at most the oldest unsent row of each conversation, so rows run in order.
    const rows = await store.outbox.claim(owner, this.#options.scope, leaseMs, 64);
    for (const row of rows) {
      const delivery = this.#deliver(row)
        .catch((error: unknown) => this.#options.logger.error({ err: error, outbox: row.id }, "delivery crashed"))
        .finally(() => {
          this.#inFlight.delete(delivery);
          this.wake();
        });
      this.#inFlight.add(delivery);
    }
    return rows.length;
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const { store, adapters, logger } = this.#options;
    const adapter = adapters.get(row.channel);
    if (!adapter) return;
    const sent = [...row.sentParts];
    try {
      if (row.endsStream) {
        // The answer is recorded: stopping the stream that shows it makes it final.
        const [stream] = sent;
        if (stream) await adapter.endStream?.(row.conversationKey, stream);
      } else if (row.file) await this.#upload(adapter, row, row.file, sent);
      else await this.#sendText(adapter, row, sent);
      await store.outbox.markDelivered(row.id);
      if (row.file) rmSync(row.file.path, { force: true });
      this.#rateLimitWaits.delete(row.id);
      this.#options.onDelivered?.(row);
    } catch (error) {
      await this.#failed(row, error);
    }
    logger.debug({ outbox: row.id, parts: sent.length }, "outbox row handled");
  }

  /** One upload, recorded as the row's one part: a restart after it never uploads again. */
  async #upload(adapter: ChannelAdapter, row: OutboxRow, file: OutboxFile, sent: string[]): Promise<void> {
    if (sent.length > 0) return;
    await this.#pacer.take(row.conversationKey, adapter.limits.sendIntervalMs);
    sent.push(await sendStoredFile(adapter, row, file));
    faultPoint("after-send-before-record");
    await this.#options.store.outbox.recordPart(row, sent);
  }

  /** An edit, or the text's parts not sent yet, each recorded as it goes out. */
  async #sendText(adapter: ChannelAdapter, row: OutboxRow, sent: string[]): Promise<void> {
    if (row.recovered && sent.length === 0 && adapter.findSent) {
      const found = await adapter.findSent(row.conversationKey, row.id);
      if (found && found.length > 0) sent.push(...found);
    }
    if (row.kind === "edit") {
      if (row.editMessageId) await adapter.edit(row.conversationKey, row.editMessageId, row.text);
      return;
    }
    const parts = splitMessage(row.text, adapter.limits.maxMessageLength);
    for (let index = sent.length; index < parts.length; index++) {
      const text = parts[index] ?? "";
      await this.#pacer.take(row.conversationKey, adapter.limits.sendIntervalMs);
      let id: string;
      if (index === 0 && row.editMessageId) {
        await adapter.edit(row.conversationKey, row.editMessageId, text);
        id = row.editMessageId;
      } else {
        const reply = index === 0 && row.replyToMessageId ? { replyToMessageId: row.replyToMessageId } : {};
        const buttons = index === parts.length - 1 && row.buttons.length > 0 ? { buttons: row.buttons } : {};
        id = (
          await adapter.send({ conversationKey: row.conversationKey, text, outboxId: row.id, ...reply, ...buttons })
        ).messageId;
      }
      faultPoint("after-send-before-record");
      sent.push(id);
      await this.#options.store.outbox.recordPart(row, sent);
    }
  }

  async #failed(row: OutboxRow, error: unknown): Promise<void> {
    const { store, logger, clock } = this.#options;
    const failure = error instanceof ChannelError ? error : new ChannelError("TRANSIENT", describeError(error));
    // What is stored and logged as the row's error: the platform's text without any secret in it.
    const reason = describeError(failure);
    const maxAttempts = this.#options.maxAttempts ?? 8;
    if (failure.code === "RATE_LIMITED") {
      const waits = (this.#rateLimitWaits.get(row.id) ?? 0) + 1;
      this.#rateLimitWaits.set(row.id, waits);
      if (waits <= MAX_RATE_LIMIT_WAITS) {
        const wait = failure.retryAfterMs ?? 1000;
        logger.warn({ outbox: row.id, retryAfterMs: wait }, "rate limited; waiting as asked");
        this.#options.metrics?.rateLimited(row.channel);
        await this.#pacer.hold(row.conversationKey, wait);
        await store.outbox.retryAt(row.id, clock() + wait, reason, false);
        return;
      }
    }
    if (failure.code === "PERMANENT" || row.attempts >= maxAttempts || failure.code === "RATE_LIMITED") {
      logger.error({ outbox: row.id, error: reason }, "delivery failed for good");
      await store.outbox.markFailed(row.id, reason);
      return;
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (row.attempts - 1));
    logger.warn(
      { outbox: row.id, attempt: row.attempts, backoffMs: backoff, error: reason },
      "delivery failed; retrying",
    );
    this.#options.metrics?.retried(row.channel);
    await store.outbox.retryAt(row.id, clock() + backoff, reason, true);
  }
}
