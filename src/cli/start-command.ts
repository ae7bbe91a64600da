import { LoopbackAdapter } from "../../adapters/loopback/loopback-adapter.js";
import type { Config } from "../config/config.js";
import { loadConfig } from "../config/load-config.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import { armFaultPoint } from "../gateway/fault-points.js";
import { Gateway } from "../gateway/gateway.js";
import { HttpServer } from "../http/http-server.js";
import { systemClock } from "../ids.js";
import { createLogger, type Logger } from "../logger.js";
import { createAgentRuntime, openConfiguredStore, turnDeps } from "./runtime.js";

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `gateway start`: the composition root, the one place that knows both the
 * core and the adapters. It wires configuration, store, agent, channels and
 * the HTTP server, and drains cleanly on SIGTERM or SIGINT.
 */
export async function startCommand(): Promise<number> {
  const config = loadConfig();
  armFaultPoint(config.testCrashAt);
  const logger = createLogger(config.logLevel);
  const runtime = createAgentRuntime(config);
  const store = openConfiguredStore(config);
  const http = new HttpServer(logger);
  const gateway = new Gateway({
    config,
    store,
    runner: turnDeps(runtime, store),
    experts: runtime.experts,
    adapters: createAdapters(config, logger),
    http,
    logger,
    clock: systemClock,
  });
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
  await gateway.start();
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
  await http.close();
  await store.close();
  logger.info("stopped");
  logger.flush();
  return 0;
}

function createAdapters(config: Config, logger: Logger): ChannelAdapter[] {
  const adapters: ChannelAdapter[] = [];
  if (config.loopbackUrl) adapters.push(new LoopbackAdapter({ outboundUrl: config.loopbackUrl }));
  if (adapters.length === 0) {
    logger.warn(
      "no channel is configured: set TELEGRAM_BOT_TOKEN for Telegram, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP) for Slack; /healthz keeps serving",
    );
  }
  return adapters;
}
