import { loadConfig } from "../config/load-config.js";
import { armFaultPoint } from "../gateway/fault-points.js";
import { HttpServer } from "../http/http-server.js";
import { createLogger } from "../logger.js";
import { StoredChannel } from "../triggers/stored-channel.js";
import { mountWebhooks } from "../triggers/webhook-routes.js";
import { createChannelAdapters } from "./composition-root.js";
import { createAgentRuntime, createGatewayWithTriggers, openConfiguredStore } from "./runtime.js";

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `gateway start`: wires configuration, store, agent, the configured channels
 * and the HTTP server, and drains cleanly on SIGTERM or SIGINT.
 */
export async function startCommand(): Promise<number> {
  const config = loadConfig();
  armFaultPoint(config.testCrashAt);
  const logger = createLogger(config.logLevel);
  const runtime = createAgentRuntime(config, logger);
  const store = openConfiguredStore(config);
  const http = new HttpServer(logger);
  const adapters = await createChannelAdapters(config, logger);
  if (config.triggers.length > 0) adapters.push(new StoredChannel());
  const { gateway, triggers } = createGatewayWithTriggers(runtime, store, { adapters, http, logger });
  mountWebhooks(http, triggers, config.triggers, config.webhookSecrets);
  const startedAt = Date.now();
  http.route(
    "GET",
    "/healthz",
    async () => {
      const health = await gateway.health();
      return { status: 200, body: { ...health, uptime_s: Math.round((Date.now() - startedAt) / 1000) } };
    },
    { beforeReady: true },
  );
  // Bind first: a taken port fails the start before any work is claimed. Routes answer 503 until ready.
  const address = await http.listen(config.host, config.port);
  if (config.access.allow.includes("*")) {
    logger.warn("GATEWAY_ALLOW=* (or access.allow: ['*']): everyone who can reach the bot may talk to it");
  }
  try {
    await gateway.start();
  } catch (error) {
    // A channel that cannot start (a refused token) ends the process: close what holds it open.
    await gateway.stop(0).catch(() => undefined);
    await runtime.mcp.close();
    await http.close();
    await store.close();
    throw error;
  }
  triggers.start();
  // Servers connect in the background: a slow or broken one never holds up the channels.
  runtime.mcp.start();
  http.ready();
  logger.info(
    { host: address.address, port: address.port, experts: runtime.experts.list().map((e) => e.name) },
    "gateway started",
  );
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  logger.info("shutting down: finishing running turns");
  await gateway.stop(SHUTDOWN_GRACE_MS);
  await triggers.stop();
  await runtime.mcp.close();
  // Runs whose result went out while draining end now rather than at the next start.
  await triggers.settle().catch((error: unknown) => logger.warn({ err: error }, "ending trigger runs failed"));
  await http.close();
  await store.close();
  logger.info("stopped");
  logger.flush();
  return 0;
}
