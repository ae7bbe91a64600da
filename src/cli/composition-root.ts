import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { placeOf as slackPlaceOf } from "../../adapters/slack/slack-keys.js";
import { placeOf as telegramPlaceOf } from "../../adapters/telegram/telegram-keys.js";
import { builtinTools } from "../agent/builtin-tools.js";
import { OpenAiModelClient } from "../agent/llm-client.js";
import type { ModelClient } from "../agent/messages.js";
import type { Tool } from "../agent/tools.js";
import type { Config } from "../config/config.js";
import { isPostgresUrl, loadConfig } from "../config/load-config.js";
import { ConsoleAuth } from "../console/console-auth.js";
import { mountConsole } from "../console/console-routes.js";
import { ExpertRegistry } from "../experts/expert-registry.js";
import { FileFolder } from "../files/file-folder.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import { type Place, privatePlace } from "../gateway/channel.js";
import { Gateway } from "../gateway/gateway.js";
import type { GatewayMetrics } from "../gateway/metrics.js";
import type { TurnRunnerDeps } from "../gateway/turn-runner.js";
import { Visibility } from "../gateway/visibility.js";
import { HttpServer } from "../http/http-server.js";
import { systemClock } from "../ids.js";
import { createLogger, type Logger } from "../logger.js";
import { McpServers } from "../mcp/mcp-servers.js";
import { pricingFrom } from "../memory/pricing.js";
import { createTurnContext } from "../memory/turn-context-factory.js";
import { measuredModel } from "../metrics/measured-model.js";
import { mountMetrics } from "../metrics/metrics-route.js";
import type { Coordination } from "../store/coordination.js";
import type { Store } from "../store/store.js";
import type { StoreWatch } from "../store/store-backend.js";
import type { Session } from "../store/types.js";
import { StoredChannel } from "../triggers/stored-channel.js";
import { Triggers } from "../triggers/triggers.js";
import { mountWebhooks } from "../triggers/webhook-routes.js";
import { gatewayVersion } from "../version.js";
import { assertChannelExperts } from "./config-checks.js";
import { storeBackend } from "./configured-store.js";

/*
 * The composition root: the one place in src/ that knows the concrete pieces (the channel
 * adapters, and through configured-store.ts the store backends) and wires configuration, store,
 * agent, gateway, triggers and the HTTP server for the commands that run turns. Everything else
 * sees only the ports: ChannelAdapter and Store.
 */

/** The channels the configuration enables. */
export async function createChannelAdapters(config: Config, logger: Logger): Promise<ChannelAdapter[]> {
  const adapters: ChannelAdapter[] = [];
  const telegram = config.telegram;
  // Adapters load only when enabled: every CLI command imports this module (for conversationPlace).
  if (telegram.token) {
    const { TelegramAdapter } = await import("../../adapters/telegram/telegram-adapter.js");
    adapters.push(
      new TelegramAdapter({
        token: telegram.token,
        apiRoot: telegram.apiRoot,
        webhookUrl: telegram.webhookUrl,
        webhookSecret: telegram.webhookSecret,
      }),
    );
  }
  if (config.loopbackUrl) {
    const { LoopbackAdapter } = await import("../../adapters/loopback/loopback-adapter.js");
    adapters.push(new LoopbackAdapter({ outboundUrl: config.loopbackUrl }));
  }
  if (config.slack.botToken) {
    // Loaded only when enabled: Bolt takes over half a second to import, which every CLI command would pay.
    const { SlackAdapter } = await import("../../adapters/slack/slack-adapter.js");
    adapters.push(
      new SlackAdapter({
        botToken: config.slack.botToken,
        appToken: config.slack.appToken,
        signingSecret: config.slack.signingSecret,
        apiUrl: config.slack.apiUrl,
        replyInThreads: config.slack.replyInThreads,
      }),
    );
  }
  if (adapters.length === 0) {
    logger.warn(
      "no channel is configured: set TELEGRAM_BOT_TOKEN for Telegram, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP) for Slack; /healthz keeps serving, and `gateway chat` talks to an Expert in the terminal",
    );
  }
  return adapters;
}

async function createTerminalAdapter(options: {
  input: Readable;
  output: Writable;
  conversationKey: string;
  userName: string;
  onInputEnd: () => void;
  downloadsDir: string;
}): Promise<ChannelAdapter> {
  const { TerminalAdapter } = await import("../../adapters/terminal/terminal-adapter.js");
  return new TerminalAdapter(options);
}

/** What commands that run turns need, built from the configuration once. */
export interface AgentRuntime {
  config: Config;
  experts: ExpertRegistry;
  tools: ReadonlyMap<string, Tool>;
  /** The MCP servers of the YAML; none connects before `start()` or a turn that needs it. Close when done. */
  mcp: McpServers;
  model: ModelClient;
}

/** `logger`: where MCP servers report; by default warnings and worse on stderr (CLI commands print on stdout). */
export function createAgentRuntime(config = loadConfig(), logger?: Logger): AgentRuntime {
  const tools = new Map(builtinTools.map((tool) => [tool.name, tool]));
  return {
    config,
    experts: new ExpertRegistry(config, new Set(tools.keys())),
    tools,
    mcp: new McpServers(config.mcp, logger ?? createLogger(config.logLevel === "info" ? "warn" : config.logLevel)),
    model: new OpenAiModelClient({ baseUrl: config.model.baseUrl, apiKey: config.model.apiKey }),
  };
}

export function turnDeps(runtime: AgentRuntime, store: Store): TurnRunnerDeps {
  return {
    store,
    model: runtime.model,
    tools: runtime.tools,
    toolSource: runtime.mcp,
    files: new FileFolder(runtime.config.db),
    idleTimeoutMs: runtime.config.model.timeoutMs,
    maxReplyChars: runtime.config.model.maxReplyChars,
    clock: systemClock,
    context: createTurnContext({
      config: runtime.config,
      store,
      model: runtime.model,
      clock: systemClock,
      placeOf: conversationPlace,
    }),
  };
}

/** A new terminal session, keyed `cli:<its id>`, owned by the local user. */
export function createCliSession(store: Store, expert: string, title: string | null): Promise<Session> {
  return store.sessions.create({
    channel: "cli",
    conversationKey: (id) => `cli:${id}`,
    expert,
    origin: "cli",
    owner: "cli:local",
    title,
  });
}

/**
 * A gateway on these channels with the configured triggers beside it: a
 * delivery lets the triggers end their runs, a firing wakes the turn queue.
 */
export function createGatewayWithTriggers(
  runtime: AgentRuntime,
  store: Store,
  options: {
    adapters: ChannelAdapter[];
    http: HttpServer;
    logger: Logger;
    onlyConversation?: string;
    pollMs?: number;
    metrics?: GatewayMetrics;
    coordination?: Coordination;
  },
): { gateway: Gateway; triggers: Triggers } {
  let triggers: Triggers | undefined;
  const gateway = new Gateway({
    ...options,
    config: runtime.config,
    store,
    runner: turnDeps(runtime, store),
    experts: runtime.experts,
    clock: systemClock,
    placeOf: conversationPlace,
    onDelivered: () => triggers?.wake(),
    approvals: {
      timeoutMs: runtime.config.approvals.timeoutMs,
      triggerRule: (name) => runtime.config.triggers.find((trigger) => trigger.name === name)?.approvals ?? "deny",
    },
  });
  triggers = new Triggers({
    triggers: runtime.config.triggers,
    store,
    experts: runtime.experts,
    adapters: gateway.adapters,
    clock: systemClock,
    logger: options.logger,
    onQueued: () => gateway.scheduler.wake(),
  });
  return { gateway, triggers };
}

/** Everything `gateway start` runs: the channels, triggers and webhooks on one HTTP server with /healthz. */
export interface ServedGateway {
  runtime: AgentRuntime;
  logger: Logger;
  store: Store;
  http: HttpServer;
  gateway: Gateway;
  triggers: Triggers;
  /** Started once the gateway runs; a lost database ends the process through `onDatabaseLost`. */
  database: StoreWatch | undefined;
  /** Released after the store closed: the next `gateway start` on a SQLite file may begin. */
  serving: { release(): void } | undefined;
}

/** Wires `gateway start` from the configuration; nothing is listening or running yet. */
export async function createServedGateway(
  config: Config,
  options: { onDatabaseLost: () => void },
): Promise<ServedGateway> {
  const logger = createLogger(config.logLevel);
  const runtime = createAgentRuntime(config, logger);
  assertChannelExperts(config, runtime.experts);
  const backend = await storeBackend(config);
  // Before anything is migrated or claimed: a second gateway on a SQLite file stops here.
  const serving = backend.holdServing?.();
  const store = await backend.open().catch((error: unknown) => {
    serving?.release();
    throw error;
  });
  const watch = backend.watch?.({ logger, onLost: options.onDatabaseLost });
  const http = new HttpServer(logger);
  const adapters = await createChannelAdapters(config, logger);
  if (config.triggers.length > 0) adapters.push(new StoredChannel());
  // prom-client loads only when /metrics is on: run, chat, tools list and doctor import this module too.
  const prometheus = config.metricsToken ? await import("../metrics/prometheus-metrics.js") : undefined;
  const metrics = prometheus ? new prometheus.PrometheusMetrics() : undefined;
  if (metrics)
    runtime.model = measuredModel(runtime.model, metrics, { clock: systemClock, pricing: pricingFrom(config.models) });
  const coordination = backend.coordinate?.();
  const { gateway, triggers } = createGatewayWithTriggers(runtime, store, {
    adapters,
    http,
    logger,
    ...(metrics ? { metrics } : {}),
    ...(coordination ? { coordination } : {}),
  });
  const database = { backend: isPostgresUrl(config.db) ? "postgresql" : "sqlite", location: backend.location };
  mountWebhooks(http, triggers, config.triggers, config.webhookSecrets);
  if (prometheus && metrics && config.metricsToken) {
    metrics.readGaugesFrom(async () => prometheus.gaugeReadings(await gateway.health()));
    mountMetrics(http, metrics, config.metricsToken);
  }
  if (config.console.operators.length > 0) mountOperatorConsole(http, store, gateway, runtime.experts, config);
  const startedAt = Date.now();
  http.route(
    "GET",
    "/healthz",
    async () => {
      const uptime_s = Math.round((Date.now() - startedAt) / 1000);
      const health = await gateway.health().catch((error: unknown) => error as Error);
      if (health instanceof Error) {
        const body = { ok: false, problems: [health.message], database: { ...database, ok: false }, uptime_s };
        return { status: 503, body: { ...body, version: gatewayVersion() } };
      }
      const problems = [
        ...(watch?.problem ? [watch.problem] : []),
        ...(http.isReady ? [] : ["starting: routes do not accept requests yet"]),
        ...health.problems,
      ];
      return {
        status: problems.length === 0 ? 200 : 503,
        body: {
          ...health,
          ok: problems.length === 0,
          problems,
          database: { ...database, ok: true },
          uptime_s,
          version: gatewayVersion(),
        },
      };
    },
    { beforeReady: true },
  );
  return { runtime, logger, store, http, gateway, triggers, database: watch, serving };
}

/** `/admin`, reading and changing through the store port, with the gateway's visibility rule for the lock badge. */
function mountOperatorConsole(
  http: HttpServer,
  store: Store,
  gateway: Gateway,
  experts: ExpertRegistry,
  config: Config,
): void {
  const visibility = new Visibility(conversationPlace, (principal) => store.queue.conversationsOf(principal));
  mountConsole(http, {
    store,
    auth: new ConsoleAuth(store.console, config.console, systemClock),
    isPrivate: (session) => visibility.isPrivate(session),
    experts: experts.list().map((expert) => expert.name),
    channels: [...new Set([...gateway.adapters.keys(), "cli"])],
    clock: systemClock,
    wakeOutbox: () => gateway.outbox.wake(),
  });
}

/**
 * `gateway chat`'s gateway: the terminal as its only channel, working on one conversation only,
 * so it runs beside `gateway start` on the same database.
 */
export async function createTerminalGateway(
  runtime: AgentRuntime,
  store: Store,
  options: { session: Session; logger: Logger; onInputEnd: () => void },
): Promise<Gateway> {
  return new Gateway({
    config: runtime.config,
    store,
    runner: turnDeps(runtime, store),
    experts: runtime.experts,
    adapters: [
      await createTerminalAdapter({
        input: process.stdin,
        output: process.stdout,
        conversationKey: options.session.conversationKey,
        userName: userInfo().username,
        onInputEnd: options.onInputEnd,
        downloadsDir: join(dirname(runtime.config.db), "downloads"),
      }),
    ],
    http: new HttpServer(options.logger),
    logger: options.logger,
    clock: systemClock,
    onlyConversation: options.session.conversationKey,
    pollMs: 100,
    placeOf: conversationPlace,
    approvals: { timeoutMs: runtime.config.approvals.timeoutMs },
  });
}

/**
 * Where a conversation is (private or shared, and its room), by the channel
 * that made its key. Keys no channel reads (the CLI's, a terminal's, a
 * loopback's, a key a channel no longer recognises) are private: only their
 * owner and admins see them.
 */
export function conversationPlace(conversationKey: string): Place {
  try {
    if (conversationKey.startsWith("telegram:")) return telegramPlaceOf(conversationKey);
    if (conversationKey.startsWith("slack:")) return slackPlaceOf(conversationKey);
  } catch {
    // A malformed key of a known channel is no one's shared room.
  }
  return privatePlace(conversationKey);
}
