import { loadConfig } from "../config/load-config.js";
import { HttpServer } from "../http/http-server.js";
import { createLogger } from "../logger.js";
import { createAgentRuntime, openConfiguredStore } from "./runtime.js";

/**
 * `gateway start`: the composition root. It wires configuration, store, agent
 * runtime and the HTTP server, and shuts down cleanly on SIGTERM or SIGINT.
 */
export async function startCommand(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const runtime = createAgentRuntime(config);
  const store = openConfiguredStore(config);
  const startedAt = Date.now();
  const http = new HttpServer(logger);
  http.route("GET", "/healthz", () => ({
    status: 200,
    body: { ok: true, uptime_s: Math.round((Date.now() - startedAt) / 1000), channels: {} },
  }));
  const address = await http.listen(config.host, config.port);
  logger.info(
    { host: address.address, port: address.port, experts: runtime.experts.list().map((e) => e.name) },
    "gateway started",
  );
  if (!config.telegram.token && !config.slack.botToken) {
    logger.warn(
      "no channel is configured: set TELEGRAM_BOT_TOKEN for Telegram, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP) for Slack",
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await http.close();
  await store.close();
  logger.flush();
  return 0;
}
