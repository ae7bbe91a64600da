import { type App, LogLevel, type Receiver } from "@slack/bolt";
import { SocketModeClient } from "@slack/socket-mode";
import { GatewayError } from "../../src/errors.js";
import type { ChannelStatus } from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";
import { boltLogger } from "./slack-bolt-logger.js";
import { SlackDelivery } from "./slack-delivery.js";
import { platformErrorOf } from "./slack-errors.js";

/** Errors of `apps.connections.open` that no retry fixes. */
const FINAL_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "not_allowed_token_type",
]);
const MAX_RECONNECT_DELAY_MS = 30_000;

const HINTS: Record<string, string> = {
  SLACK_APP_TOKEN: "create an app-level token with connections:write (Basic Information → App-Level Tokens)",
  SLACK_BOT_TOKEN: "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions after installing the app",
};

/** Slack refused one of our tokens: the channel stops, with a message saying what to fix. */
export class SlackAuthError extends GatewayError {
  constructor(error: string, variable: "SLACK_APP_TOKEN" | "SLACK_BOT_TOKEN" = "SLACK_APP_TOKEN") {
    super("SLACK_AUTH", `Slack refused ${variable} (${error}): ${HINTS[variable]}`);
  }
}

/**
 * Socket Mode: a WebSocket from us to Slack, so no public URL is needed. Each envelope is acked only
 * after the listeners committed it (a failed commit is left unacked, so Slack delivers it again).
 * Reconnects after `disconnect` or a dropped connection with growing delays; an invalid token is final.
 */
export class SlackSocketReceiver implements Receiver {
  readonly #client: SocketModeClient;
  readonly #logger: Logger;
  readonly #reconnectMs: number;
  readonly #onStatus: (status: ChannelStatus) => void;
  #app: App | undefined;
  #connected = false;
  #stopping = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    appToken: string;
    apiUrl: string;
    logger: Logger;
    onStatus: (status: ChannelStatus) => void;
    /** First reconnect delay (doubles per failed attempt); also the client's ping timeout. */
    reconnectMs?: number;
  }) {
    this.#logger = options.logger;
    this.#reconnectMs = options.reconnectMs ?? 5000;
    this.#onStatus = options.onStatus;
    this.#client = new SocketModeClient({
      appToken: options.appToken,
      logger: boltLogger(options.logger),
      logLevel: LogLevel.INFO,
      // We reconnect ourselves, so that a revoked token stops us instead of looping.
      autoReconnectEnabled: false,
      clientPingTimeout: this.#reconnectMs,
      clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 } },
    });
    this.#client.on("slack_event", (event: SocketEvent) => {
      this.#deliver(event).catch((error: unknown) =>
        this.#logger.error({ err: error }, "Socket Mode event handling crashed"),
      );
    });
    this.#client.on("disconnected", () => {
      if (!this.#connected) return;
      this.#connected = false;
      if (this.#stopping) return;
      // Not accepting events until connected again: /healthz says so.
      this.#onStatus({ state: "starting", detail: "reconnecting to Slack" });
      this.#schedule();
    });
  }

  init(app: App): void {
    this.#app = app;
  }

  /** Connects once; an invalid token throws {@link SlackAuthError}, other failures retry in the background. */
  async start(): Promise<void> {
    this.#stopping = false;
    await this.#connect(true);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#connected = false;
    await this.#client.disconnect();
  }

  async #connect(first: boolean): Promise<void> {
    try {
      await this.#client.start();
      this.#connected = true;
      this.#attempt = 0;
      this.#onStatus({ state: "running" });
      this.#logger.info("Slack Socket Mode connected");
    } catch (error) {
      const code = platformErrorOf(error);
      if (code && FINAL_ERRORS.has(code)) {
        const failure = new SlackAuthError(code);
        this.#onStatus({ state: "failed", detail: failure.message });
        this.#logger.error(failure.message);
        if (first) throw failure;
        return;
      }
      this.#logger.warn({ err: error }, "Slack Socket Mode connection failed; retrying");
      this.#onStatus({ state: "starting", detail: "connecting to Slack" });
      if (!this.#stopping) this.#schedule();
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, this.#reconnectMs * 2 ** this.#attempt);
    this.#attempt++;
    this.#logger.info({ delayMs: delay }, "Slack Socket Mode reconnecting");
    this.#timer = setTimeout(() => {
      if (!this.#stopping) void this.#connect(false);
    }, delay);
  }

  async #deliver(event: SocketEvent): Promise<void> {
    if (!this.#app || this.#stopping) return;
    const delivery = new SlackDelivery();
    await delivery.process(this.#app, event.body, {
      ...(event.retry_num !== undefined ? { num: event.retry_num } : {}),
      ...(event.retry_reason !== undefined ? { reason: event.retry_reason } : {}),
    });
    if (!delivery.failed) await event.ack(delivery.response as Record<string, unknown> | undefined);
  }
}

interface SocketEvent {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}
