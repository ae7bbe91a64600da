import { loadConfig } from "../config/load-config.js";
import { armFaultPoint } from "../gateway/fault-points.js";
import { createServedGateway } from "./composition-root.js";

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `gateway start`: serves the configured channels, triggers and the HTTP server
 * (wired by the composition root), and drains cleanly on SIGTERM or SIGINT.
 */
export async function startCommand(): Promise<number> {
  const config = loadConfig();
  armFaultPoint(config.testCrashAt);
  let stopFor: ((reason: "signal" | "database-lost") => void) | undefined;
  const stopped = new Promise<"signal" | "database-lost">((resolve) => {
    stopFor = resolve;
  });
  const { runtime, logger, store, http, gateway, triggers, database, serving } = await createServedGateway(config, {
    onDatabaseLost: () => stopFor?.("database-lost"),
  });
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
    serving?.release();
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
  database?.start();
  process.once("SIGTERM", () => stopFor?.("signal"));
  process.once("SIGINT", () => stopFor?.("signal"));
  const reason = await stopped;
  database?.stop();
  logger.info("shutting down: finishing running turns");
  // With its database gone, whatever a turn would still write is lost anyway: stop at once.
  await gateway.stop(reason === "database-lost" ? 0 : SHUTDOWN_GRACE_MS);
  await triggers.stop();
  await runtime.mcp.close();
  // Runs whose result went out while draining end now rather than at the next start.
  await triggers.settle().catch((error: unknown) => logger.warn({ err: error }, "ending trigger runs failed"));
  await http.close();
  await store.close();
  serving?.release();
  logger.info("stopped");
  logger.flush();
  return reason === "database-lost" ? 1 : 0;
}
