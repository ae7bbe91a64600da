import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Api } from "grammy";
import type {
  ChannelAdapter,
  ChannelHost,
  ChannelLimits,
  ChannelStatus,
  ChannelStream,
  OutboundFile,
  OutboundMessage,
  RoleHandle,
  RoleWork,
} from "../../src/gateway/channel.js";
import { botCommands, syncCommands } from "./telegram-commands.js";
import { TelegramDraftStream } from "./telegram-draft-stream.js";
import { fatalPollingError, retryAfterMs } from "./telegram-errors.js";
import { TelegramFiles } from "./telegram-files.js";
import { TelegramIntake } from "./telegram-intake.js";
import { targetOf } from "./telegram-keys.js";
import { type Backoff, TelegramPoller } from "./telegram-poller.js";
import { MAX_MESSAGE_LENGTH, MAX_UPLOAD_BYTES, TelegramSender } from "./telegram-sender.js";
import { ALLOWED_UPDATES } from "./telegram-updates.js";
import { WEBHOOK_PATH, webhookHandler } from "./telegram-webhook.js";

export interface TelegramAdapterOptions {
  token: string;
  /** `https://api.telegram.org`, a local Bot API server, or a test fake (no trailing slash). */
  apiRoot: string;
  /** Set: webhook mode, Telegram posts to this URL (which must reach `POST /telegram/webhook`). */
  webhookUrl?: string | undefined;
  /** The webhook's secret token; derived from the bot token when not given. */
  webhookSecret?: string | undefined;
  /** Seconds Telegram holds a long poll open. */
  pollTimeoutSeconds?: number;
  backoff?: Backoff;
  /** Pace of messages and preview edits (a local Bot API server, tests); Telegram's limits by default. */
  pace?: Partial<TelegramPace>;
}

/** The least time between two messages to a chat, and between two preview edits. */
export interface TelegramPace {
  sendMs: number;
  privateEditMs: number;
  groupEditMs: number;
}

/** Telegram's pace: about one message a second in a chat, 20 a minute in a group. */
const TELEGRAM_PACE: TelegramPace = { sendMs: 1000, privateEditMs: 1000, groupEditMs: 3000 };
const DRAFT_INTERVAL_MS = 600;

/**
 * Telegram through grammY's API client: long polling by default (our own loop, so the offset moves
 * only past committed updates) or a webhook on the gateway's server; replies rendered as Telegram
 * HTML; drafts stream answers in private chats, edited previews elsewhere.
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly name = "telegram";
  readonly limits: ChannelLimits;
  readonly #options: TelegramAdapterOptions;
  readonly #pace: TelegramPace;
  readonly #api: Api;
  #host: ChannelHost | undefined;
  #sender: TelegramSender | undefined;
  #poller: TelegramPoller | undefined;
  /** Long polling's role, when the host shares the database with other gateways. */
  #pollRole: RoleHandle | undefined;
  #intake: TelegramIntake | undefined;
  #status: ChannelStatus = { state: "stopped" };
  #draftsRefused = false;
  #stopping = new AbortController();
  #setup: Promise<void> | undefined;

  constructor(options: TelegramAdapterOptions) {
    this.#options = options;
    this.#pace = { ...TELEGRAM_PACE, ...options.pace };
    this.limits = {
      maxMessageLength: MAX_MESSAGE_LENGTH,
      editIntervalMs: this.#pace.privateEditMs,
      sendIntervalMs: this.#pace.sendMs,
      format: "telegram-html",
      previews: true,
      commandPrefix: "/",
      access: "allow-list",
      maxFileBytes: MAX_UPLOAD_BYTES,
    };
    this.#api = new Api(options.token, { apiRoot: options.apiRoot });
  }

  /** Mounts the webhook route (webhook mode), then connects in the background: /healthz shows how it went. */
  async start(host: ChannelHost): Promise<void> {
    this.#host = host;
    this.#status = { state: "starting" };
    this.#stopping = new AbortController();
    const sender = new TelegramSender(this.#api, host.logger, (from, to) => {
      host.moveConversation(from, to).catch((error: unknown) => host.logger.error({ err: error }, "move failed"));
    });
    this.#sender = sender;
    if (this.#options.webhookUrl) {
      host.route(
        "POST",
        WEBHOOK_PATH,
        webhookHandler({
          secret: this.#secret(),
          running: () => this.#status.state === "running",
          handle: (update) => this.#intake?.receive(update) ?? Promise.reject(new Error("not connected")),
        }),
      );
    }
    this.#setup = this.#connect(host, sender).catch((error: unknown) => {
      if (this.#stopping.signal.aborted) return;
      this.#fail(host, `Telegram could not be set up: ${(error as Error).message}`, error);
    });
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#setup;
    await this.#pollRole?.release();
    this.#pollRole = undefined;
    await this.#poller?.stop();
    await this.#intake?.flush();
    this.#poller = undefined;
    if (this.#status.state !== "failed") this.#status = { state: "stopped" };
  }

  status(): ChannelStatus {
    if (this.#status.state === "running" && this.#pollRole && !this.#pollRole.leading) {
      return { state: "running", detail: "standby: another gateway on the database polls Telegram" };
    }
    return this.#status;
  }

  async sendFile(file: OutboundFile): Promise<{ messageId: string }> {
    return this.#mustSender().sendFile(file);
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    return this.#mustSender().send(message);
  }

  async edit(conversationKey: string, messageId: string, text: string): Promise<void> {
    await this.#mustSender().edit(conversationKey, messageId, text);
  }

  async delete(conversationKey: string, messageId: string): Promise<void> {
    await this.#mustSender().delete(conversationKey, messageId);
  }

  async typing(conversationKey: string): Promise<void> {
    await this.#mustSender().typing(conversationKey);
  }

  /** Drafts in private chats while Telegram takes them; groups and refusals get edited previews. */
  openStream(conversationKey: string): ChannelStream | undefined {
    const target = targetOf(conversationKey);
    const sender = this.#sender;
    if (this.#draftsRefused || target.chatId < 0 || !this.#host || !sender) return undefined;
    if (sender.isBlocked(target.chatId)) return undefined;
    return new TelegramDraftStream({
      api: this.#api,
      target,
      logger: this.#host.logger,
      intervalMs: DRAFT_INTERVAL_MS,
      onRefused: () => {
        this.#draftsRefused = true;
      },
      blocked: () => sender.isBlocked(target.chatId),
    });
  }

  /** Private chats have positive ids; groups, and a key no chat can have, get the slower group pace. */
  editIntervalFor(conversationKey: string): number {
    const chatId = /^telegram:(-?\d+)/.exec(conversationKey)?.[1];
    return chatId !== undefined && Number(chatId) > 0 ? this.#pace.privateEditMs : this.#pace.groupEditMs;
  }

  async #connect(host: ChannelHost, sender: TelegramSender): Promise<void> {
    const me = await this.#withRetry(host, () => this.#api.getMe());
    if (!me) return;
    const files = new TelegramFiles(this.#api, `${this.#options.apiRoot}/file/bot${this.#options.token}`, host.logger);
    const intake = new TelegramIntake({
      host,
      api: this.#api,
      bot: { id: me.id, username: me.username },
      files,
      sender,
    });
    this.#intake = intake;
    await syncCommands(this.#api, host.logger, botCommands(host.commands));
    if (this.#options.webhookUrl) {
      const done = await this.#withRetry(host, () =>
        this.#api.setWebhook(this.#options.webhookUrl ?? "", {
          secret_token: this.#secret(),
          allowed_updates: [...ALLOWED_UPDATES],
        }),
      );
      if (done === undefined) return;
    } else {
      const poll: RoleWork = {
        start: () => {
          this.#poller = new TelegramPoller({
            api: this.#api,
            logger: host.logger,
            handle: (update) => intake.receive(update),
            onFatal: (detail, error) => this.#fail(host, detail, error),
            backoff: this.#options.backoff ?? { baseMs: 1000, maxMs: 60_000 },
            timeoutSeconds: this.#options.pollTimeoutSeconds ?? 30,
          });
          this.#poller.start();
        },
        stop: async () => {
          await this.#poller?.stop();
          this.#poller = undefined;
        },
      };
      // One poller per bot across the gateways on a database (a second one would get 409s): the
      // others stand by and take over within seconds when the poller stops or dies.
      if (host.lead) this.#pollRole = host.lead(`telegram-poll:${me.id}`, poll);
      else poll.start();
    }
    this.#status = { state: "running" };
    host.logger.info(
      { bot: me.username, mode: this.#options.webhookUrl ? "webhook" : "polling" },
      "telegram connected",
    );
  }

  /** Retries a setup call with backoff; a 401 or 409 fails the channel instead. Undefined when it gave up. */
  async #withRetry<T>(host: ChannelHost, call: () => Promise<T>): Promise<T | undefined> {
    const { baseMs, maxMs } = this.#options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    for (let attempt = 0; !this.#stopping.signal.aborted; attempt++) {
      try {
        return await call();
      } catch (error) {
        const fatal = fatalPollingError(error);
        if (fatal) {
          this.#fail(host, fatal, error);
          return undefined;
        }
        const wait = retryAfterMs(error) ?? Math.min(maxMs, baseMs * 2 ** attempt);
        host.logger.warn({ err: error, retryInMs: wait }, "telegram setup failed; retrying");
        await sleep(wait, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      }
    }
    return undefined;
  }

  #fail(host: ChannelHost, detail: string, error: unknown): void {
    host.logger.error({ err: error }, detail);
    this.#status = { state: "failed", detail };
  }

  /** Telegram allows 1–256 of `A-Za-z0-9_-`; a hex digest of the token is stable across restarts. */
  #secret(): string {
    return this.#options.webhookSecret ?? createHash("sha256").update(`webhook:${this.#options.token}`).digest("hex");
  }

  #mustSender(): TelegramSender {
    if (!this.#sender) throw new Error("the Telegram channel is not started");
    return this.#sender;
  }
}
