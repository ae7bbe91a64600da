import { App, webApi } from "@slack/bolt";
import { ConfigError } from "../../src/errors.js";
import type {
  AcceptResult,
  ChannelAdapter,
  ChannelHost,
  ChannelLimits,
  ChannelStatus,
  ChannelStream,
  DeferredParts,
  InboundMessage,
  OutboundFile,
  OutboundMessage,
  StreamHooks,
} from "../../src/gateway/channel.js";
import { AcceptError } from "../../src/gateway/channel.js";
import type { Clock } from "../../src/ids.js";
import type { Logger } from "../../src/logger.js";
import { SlackAssistant } from "./slack-assistant.js";
import { boltLogger } from "./slack-bolt-logger.js";
import { ACTION_PREFIX, pressedButton, tellPresser } from "./slack-buttons.js";
import { COMMAND_USAGE, slashCommandMessage } from "./slack-command.js";
import { deliveryOf, type SlackDelivery } from "./slack-delivery.js";
import { type BotIdentity, classifyEvent } from "./slack-events.js";
import { SlackFiles } from "./slack-files.js";
import { renderMrkdwn } from "./slack-format.js";
import { type ReplyInThreads, SlackInbound } from "./slack-inbound.js";
import { conversationKeyOf, isDirectChannel, targetOf } from "./slack-keys.js";
import { receiverFor } from "./slack-receiver.js";
import { SlackSender } from "./slack-sender.js";
import { SlackAuthError } from "./slack-socket-receiver.js";
import { SlackStream, stopStream } from "./slack-stream.js";

export interface SlackAdapterOptions {
  botToken: string;
  /** Socket Mode when set (`xapp-…`); otherwise HTTP at `POST /slack/events`, which needs the signing secret. */
  appToken?: string | undefined;
  signingSecret?: string | undefined;
  apiUrl: string;
  replyInThreads: ReplyInThreads;
  clock?: Clock;
  /** Socket Mode's first reconnect delay (tests shorten it). */
  reconnectMs?: number;
}

/**
 * Slack through Bolt: threads are sessions, DMs too; events arrive over Socket Mode or the Events
 * API and are acknowledged only once committed; replies are mrkdwn, streamed natively where the
 * workspace allows it. The Web API client never retries on its own: the outbox is the one retry layer.
 */
export class SlackAdapter implements ChannelAdapter {
  readonly name = "slack";
  readonly limits: ChannelLimits = {
    // The outbox cuts Markdown at this length; rendering (escaping `&`, `<`, `>`) must still fit 4,000.
    maxMessageLength: 3600,
    // chat.update is allowed ~50 times a minute.
    editIntervalMs: 1500,
    sendIntervalMs: 1000,
    format: "slack-mrkdwn",
    previews: true,
    commandPrefix: "!",
    access: "allow-list",
    // Slack takes uploads up to 1 GB.
    maxFileBytes: 1024 * 1024 * 1024,
  };
  readonly #options: SlackAdapterOptions;
  readonly #clientOptions: webApi.WebClientOptions;
  /** Teams where chat.startStream was refused: their turns use edited previews. */
  readonly #noStreaming = new Set<string>();
  #state: ChannelStatus = { state: "stopped" };
  #app: App | undefined;
  #sender: SlackSender | undefined;
  #inbound: SlackInbound | undefined;
  #files: SlackFiles | undefined;
  #assistant: SlackAssistant | undefined;
  #logger: Logger | undefined;
  #teamId = "";

  constructor(options: SlackAdapterOptions) {
    if (!options.appToken && !options.signingSecret) {
      throw new ConfigError(
        "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is",
      );
    }
    this.#options = options;
    this.#clientOptions = {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 15_000,
    };
  }

  async start(host: ChannelHost): Promise<void> {
    const logger = host.logger.child({ channel: "slack" });
    this.#logger = logger;
    this.#state = { state: "starting" };
    const bot = await this.#identify();
    this.#teamId = bot.teamId;
    const receiver = receiverFor({
      ...this.#options,
      route: host.route,
      logger,
      onStatus: (status) => {
        if (this.#state.state !== "stopped") this.#state = status;
      },
    });
    const app = new App({
      token: this.#options.botToken,
      botId: bot.botId,
      botUserId: bot.userId,
      receiver,
      logger: boltLogger(logger),
      ignoreSelf: false,
      convoStore: false,
      tokenVerificationEnabled: false,
      extendedErrorHandler: true,
      clientOptions: this.#clientOptions,
    });
    this.#app = app;
    this.#sender = new SlackSender(app.client, logger, bot.botId);
    this.#files = new SlackFiles({
      token: this.#options.botToken,
      apiUrl: this.#options.apiUrl,
      client: app.client,
      logger,
    });
    this.#inbound = new SlackInbound({
      client: app.client,
      bot,
      files: this.#files,
      replyInThreads: this.#options.replyInThreads,
      logger,
      knows: host.knows,
    });
    const onEvent = async (args: { event: object; body: object; context: Record<string, unknown> }) =>
      this.#onEvent(
        host,
        bot,
        args.event as Record<string, unknown>,
        args.body as Record<string, unknown>,
        args.context,
      );
    app.event("message", onEvent);
    app.event("app_mention", onEvent);
    this.#assistant = new SlackAssistant({ client: app.client, host, logger });
    this.#assistant.listen(app, bot.teamId);
    app.command("/gateway", async ({ command, ack, context }) => {
      const reply = await this.#onCommand(host, command, deliveryOf(context));
      await ack(reply === undefined ? undefined : { response_type: "ephemeral", text: renderMrkdwn(reply) });
    });
    // Buttons: acknowledged as soon as the press is handled (a database write, well within 3 s).
    app.action(new RegExp(`^${ACTION_PREFIX}`), async ({ ack, body, context }) => {
      await ack();
      await this.#onPress(host, body as unknown as Record<string, unknown>, deliveryOf(context));
    });
    app.error(async ({ error, context }: { error: Error; context: Record<string, unknown> }) => {
      logger.error({ err: error }, "Slack listener failed");
      // Not stored: Slack gets an error and delivers it again, rather than an ack for a lost message.
      const delivery = deliveryOf(context);
      if (delivery) delivery.failed = true;
    });
    await app.start();
    // Socket Mode reports its own state (running once connected); HTTP mode accepts once its routes are mounted.
    if (!this.#options.appToken && this.#state.state === "starting") this.#state = { state: "running" };
  }

  async stop(): Promise<void> {
    this.#state = { state: "stopped" };
    await this.#app?.stop();
  }

  status(): ChannelStatus {
    return this.#state;
  }

  send(message: OutboundMessage): Promise<{ messageId: string }> {
    return this.#require(this.#sender).send(message);
  }

  edit(conversationKey: string, messageId: string, text: string): Promise<void> {
    return this.#require(this.#sender).edit(conversationKey, messageId, text);
  }

  delete(conversationKey: string, messageId: string): Promise<void> {
    return this.#require(this.#sender).delete(conversationKey, messageId);
  }

  findSent(conversationKey: string, outboxId: number): Promise<string[] | undefined> {
    return this.#require(this.#sender).findSent(conversationKey, outboxId);
  }

  typing(conversationKey: string, expert: string): Promise<void> {
    return this.#require(this.#sender).typing(conversationKey, expert);
  }

  idle(conversationKey: string): Promise<void> {
    return this.#require(this.#sender).idle(conversationKey);
  }

  showTitle(conversationKey: string, title: string): Promise<void> {
    return this.#require(this.#assistant).showTitle(conversationKey, title);
  }

  editIntervalFor(conversationKey: string): number {
    return isDirectChannel(targetOf(conversationKey).channel) ? 1000 : this.limits.editIntervalMs;
  }

  /**
   * A post at a channel's top level (a trigger's result) starts a thread; replies arrive keyed by it.
   * A destination that named no team (`slack::C1`) belongs to this app's own team.
   */
  threadKey(conversationKey: string, messageId: string): string | undefined {
    const target = targetOf(conversationKey);
    if (target.threadTs) return undefined;
    return conversationKeyOf({ team: target.team || this.#teamId, channel: target.channel, threadTs: messageId });
  }

  openStream(conversationKey: string, hooks?: StreamHooks, recipient?: string): ChannelStream | undefined {
    const target = targetOf(conversationKey);
    if (!this.#app || !this.#logger || !target.threadTs || this.#noStreaming.has(target.team)) return undefined;
    if (!isDirectChannel(target.channel) && !recipient) return undefined;
    return new SlackStream({
      client: this.#app.client,
      logger: this.#logger,
      target,
      recipient: recipient ? { user: recipient, team: target.team || this.#teamId } : undefined,
      intervalMs: this.editIntervalFor(conversationKey),
      onRefused: () => this.#noStreaming.add(target.team),
      ...(hooks ? { onOpened: (ts: string) => hooks.opened(ts) } : {}),
    });
  }

  /** Stops a stream: a recorded answer's as it is, one a dead process left open with `(label)` appended. */
  endStream(conversationKey: string, messageId: string, label?: string): Promise<void> {
    return stopStream(this.#require(this.#app).client, targetOf(conversationKey), messageId, label);
  }

  complete(deferred: string, message: DeferredParts, signal: AbortSignal): Promise<DeferredParts> {
    return this.#require(this.#inbound).complete(deferred, message, signal);
  }

  /** Uploads a generated file into a conversation (thread); returns the Slack file id. */
  uploadFile(conversationKey: string, name: string, bytes: Buffer, caption?: string): Promise<string> {
    return this.#require(this.#files).upload(targetOf(conversationKey), name, bytes, name, caption);
  }

  async sendFile(file: OutboundFile): Promise<{ messageId: string }> {
    return { messageId: await this.uploadFile(file.conversationKey, file.name, file.bytes, file.caption) };
  }

  async #identify(): Promise<BotIdentity> {
    // Its logs go through ours (redacted), not straight to the console.
    const logger = this.#logger ? { logger: boltLogger(this.#logger) } : {};
    const client = new webApi.WebClient(this.#options.botToken, { ...this.#clientOptions, ...logger });
    try {
      const auth = await client.auth.test();
      return { userId: auth.user_id ?? "", botId: auth.bot_id ?? "", teamId: auth.team_id ?? "" };
    } catch (error) {
      this.#state = { state: "failed", detail: "SLACK_BOT_TOKEN was refused" };
      if (error instanceof webApi.WebAPIPlatformError) throw new SlackAuthError(error.data.error, "SLACK_BOT_TOKEN");
      throw error;
    }
  }

  async #onEvent(
    host: ChannelHost,
    bot: BotIdentity,
    event: Record<string, unknown>,
    body: Record<string, unknown>,
    context: Record<string, unknown>,
  ): Promise<void> {
    const classified = classifyEvent(event, body.team_id, bot);
    if (classified.kind === "ignore") {
      this.#logger?.debug({ reason: classified.reason }, "Slack event ignored");
      return;
    }
    const eventId = typeof body.event_id === "string" ? body.event_id : undefined;
    const assistant = this.#assistant;
    const message = await this.#require(this.#inbound).toInbound(classified.message, eventId, (key) =>
      assistant?.contextNote(key),
    );
    if (!message) return;
    const result = await this.#accept(host, message, deliveryOf(context));
    if (result?.status === "accepted") assistant?.told(message.conversationKey);
  }

  async #onCommand(
    host: ChannelHost,
    command: Record<string, string | undefined>,
    delivery: SlackDelivery | undefined,
  ): Promise<string | undefined> {
    const message = slashCommandMessage(command);
    if (!message) return COMMAND_USAGE;
    const result = await this.#accept(host, message, delivery);
    if (result?.status === "command") return result.reply ?? "Done.";
    if (result?.status === "refused") return "You are not admitted to this gateway yet; I sent the details here.";
    return undefined;
  }

  async #onPress(host: ChannelHost, body: Record<string, unknown>, delivery: SlackDelivery | undefined) {
    const message = pressedButton(body);
    if (!message) return;
    const result = await this.#accept(host, message, delivery);
    if (result?.status !== "forbidden") return;
    // Told to the presser alone; not awaited, so Slack's acknowledgement does not wait for it.
    tellPresser(this.#require(this.#app).client, message, result.reply).catch((error: unknown) =>
      this.#logger?.warn({ err: error }, "could not tell a presser the button is not theirs"),
    );
  }

  async #accept(
    host: ChannelHost,
    message: InboundMessage,
    delivery: SlackDelivery | undefined,
  ): Promise<AcceptResult | undefined> {
    try {
      return await host.accept(message);
    } catch (error) {
      // Not stored: Slack must get an error (HTTP 503, or no Socket Mode ack) and deliver it again.
      if (delivery) delivery.failed = true;
      if (!(error instanceof AcceptError)) this.#logger?.error({ err: error }, "Slack message could not be accepted");
      return undefined;
    }
  }

  #require<T>(value: T | undefined): T {
    if (value === undefined) throw new Error("the Slack adapter is not started");
    return value;
  }
}
