import type { Config } from "../config/config.js";
import type { TriggerSettings } from "../config/file-schema.js";
import { UsageError } from "../errors.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import { HttpServer } from "../http/http-server.js";
import { createLogger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { TriggerRun } from "../store/trigger-repository.js";
import { destinationOf } from "../triggers/destination.js";
import { StoredChannel } from "../triggers/stored-channel.js";
import { fireTrigger } from "../triggers/trigger-firer.js";
import { createAgentRuntime, createChannelAdapters, createGatewayWithTriggers } from "./composition-root.js";
import { askRunningGateway } from "./running-gateway.js";

const POLL_MS = 100;

/**
 * Fires a trigger by hand and waits for the run to end. A running
 * `gateway start` (its /healthz answers) takes the run from the shared
 * database; without one, this process runs it on the destination's channel.
 * A destination channel that nothing would serve is refused before firing.
 */
export async function runTriggerHere(input: {
  config: Config;
  store: Store;
  trigger: TriggerSettings;
  payload?: unknown;
}): Promise<TriggerRun> {
  const { config, store, trigger } = input;
  const runtime = createAgentRuntime(config);
  const firing = { source: "manual" as const, ...(input.payload !== undefined ? { payload: input.payload } : {}) };
  const { channel } = destinationOf(trigger.name, trigger.destination);
  const running = await runningChannels(config);
  if (running) {
    if (!running.has(channel))
      throw new UsageError(`the running gateway has no ${channel} channel to run ${trigger.name}`);
    const { run } = await fireTrigger({ store, experts: runtime.experts }, trigger, firing);
    return untilEnded(store, run.id, async () => undefined);
  }
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const adapters: ChannelAdapter[] = [new StoredChannel()];
  if (trigger.destination !== "none") {
    adapters.push(...(await createChannelAdapters(config, logger)).filter((adapter) => adapter.name === channel));
  }
  if (!adapters.some((adapter) => adapter.name === channel)) {
    throw new UsageError(`the ${channel} channel (the destination of ${trigger.name}) is not configured`);
  }
  const { run } = await fireTrigger({ store, experts: runtime.experts }, trigger, firing);
  const session = run.sessionId ? await store.sessions.get(run.sessionId) : undefined;
  if (!session) return run;
  const { gateway, triggers } = createGatewayWithTriggers(runtime, store, {
    adapters,
    http: new HttpServer(logger),
    logger,
    onlyConversation: session.conversationKey,
    pollMs: POLL_MS,
  });
  await gateway.start();
  try {
    return await untilEnded(store, run.id, () => triggers.settle());
  } finally {
    await gateway.stop(2000);
    await runtime.mcp.close();
  }
}

async function untilEnded(store: Store, runId: string, settle: () => Promise<unknown>): Promise<TriggerRun> {
  for (;;) {
    await settle();
    const run = await store.triggers.get(runId);
    if (!run) throw new Error(`run ${runId} vanished`);
    if (run.status !== "running") return run;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The channels of the `gateway start` answering /healthz on HOST:PORT, or undefined when none answers. */
async function runningChannels(config: Config): Promise<Set<string> | undefined> {
  const running = await askRunningGateway(config, 1000);
  return "health" in running ? new Set(Object.keys(running.health.channels)) : undefined;
}
