import { builtinTools } from "../agent/builtin-tools.js";
import { OpenAiModelClient } from "../agent/llm-client.js";
import type { ModelClient } from "../agent/messages.js";
import type { Tool } from "../agent/tools.js";
import type { Config } from "../config/config.js";
import { loadConfig } from "../config/load-config.js";
import { ExpertRegistry } from "../experts/expert-registry.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import { Gateway } from "../gateway/gateway.js";
import type { TurnRunnerDeps } from "../gateway/turn-runner.js";
import type { HttpServer } from "../http/http-server.js";
import { systemClock } from "../ids.js";
import type { Logger } from "../logger.js";
import { pricingFrom } from "../memory/pricing.js";
import { createTurnContext } from "../memory/turn-context-factory.js";
import { openStore, type SqliteStore } from "../store/sqlite-store.js";
import type { Session } from "../store/types.js";
import { Triggers } from "../triggers/triggers.js";

/** What commands that run turns need, built from the configuration once. */
export interface AgentRuntime {
  config: Config;
  experts: ExpertRegistry;
  tools: ReadonlyMap<string, Tool>;
  model: ModelClient;
}

export function createAgentRuntime(config = loadConfig()): AgentRuntime {
  const tools = new Map(builtinTools.map((tool) => [tool.name, tool]));
  return {
    config,
    experts: new ExpertRegistry(config, new Set(tools.keys())),
    tools,
    model: new OpenAiModelClient({ baseUrl: config.model.baseUrl, apiKey: config.model.apiKey }),
  };
}

export function turnDeps(runtime: AgentRuntime, store: SqliteStore): TurnRunnerDeps {
  return {
    store,
    model: runtime.model,
    tools: runtime.tools,
    idleTimeoutMs: runtime.config.model.timeoutMs,
    maxReplyChars: runtime.config.model.maxReplyChars,
    clock: systemClock,
    context: createTurnContext({ config: runtime.config, store, model: runtime.model, clock: systemClock }),
  };
}

export function openConfiguredStore(config: Config): SqliteStore {
  return openStore(config.db, {
    pricing: pricingFrom(config.models),
    ...(config.testMaxPages !== undefined ? { maxPageCount: config.testMaxPages } : {}),
  });
}

/** A new terminal session, keyed `cli:<its id>`, owned by the local user. */
export function createCliSession(store: SqliteStore, expert: string, title: string | null): Promise<Session> {
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
  store: SqliteStore,
  options: { adapters: ChannelAdapter[]; http: HttpServer; logger: Logger; onlyConversation?: string; pollMs?: number },
): { gateway: Gateway; triggers: Triggers } {
  let triggers: Triggers | undefined;
  const gateway = new Gateway({
    ...options,
    config: runtime.config,
    store,
    runner: turnDeps(runtime, store),
    experts: runtime.experts,
    clock: systemClock,
    onDelivered: () => triggers?.wake(),
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
