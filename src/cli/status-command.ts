import { loadConfig } from "../config/load-config.js";
import { NotFoundError } from "../errors.js";
import { printJson, printTable } from "./output.js";
import { askRunningGateway, type GatewayHealth } from "./running-gateway.js";

const age = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? "" : `, oldest ${seconds} s`;

/**
 * `gateway status`: asks the running `gateway start` of this configuration
 * (its /healthz on HOST:PORT) for its channels, running turns, queue, unsent
 * replies and version. Fails naming the URL when none answers.
 */
export async function statusCommand(options: { json?: boolean }): Promise<number> {
  const config = loadConfig();
  const running = await askRunningGateway(config);
  if ("reason" in running)
    throw new NotFoundError(`${running.reason}; is "gateway start" running with this configuration?`);
  const { health, url } = running;
  if (options.json) {
    printJson({ url, ...health });
    return 0;
  }
  const channels = Object.entries(health.channels);
  printTable([
    [
      "gateway",
      `${health.version ?? "?"} at ${url.replace(/\/healthz$/, "")}, ${health.ok ? "ok" : "NOT ok"}, up ${health.uptime_s ?? "?"} s`,
    ],
    [
      "channels",
      channels.length === 0
        ? "none"
        : channels
            .map(([name, status]) => `${name} ${status.state}${status.detail ? ` (${status.detail})` : ""}`)
            .join(", "),
    ],
    ["turns", `${health.running_turns} running`],
    ["queue", `${health.queue_depth} waiting${age(health.oldest_pending_age_s)}`],
    ["outbox", `${health.outbox_backlog ?? "?"} unsent${age(health.oldest_unsent_age_s)}`],
    ...(health.database ? [["database", databaseLine(health)] as [string, string]] : []),
  ]);
  return 0;
}

/** "postgresql, 3 gateways on it; this one polls Telegram": the database and this gateway's part among those on it. */
function databaseLine(health: GatewayHealth): string {
  const gateways = health.instances ?? 1;
  const polling = health.channels.telegram
    ? `; ${health.role?.poll_leader ? "this one" : "another one"} polls Telegram`
    : "";
  return `${health.database?.backend}, ${gateways} ${gateways === 1 ? "gateway" : "gateways"} on it${polling}`;
}
