import type { Config } from "../config/config.js";
import { readCappedJson } from "./capped-body.js";
import { rootCause } from "./model-failure.js";

/** What `GET /healthz` of a running `gateway start` answers. */
export interface GatewayHealth {
  ok: boolean;
  channels: Record<string, { state: string; detail?: string }>;
  queue_depth: number;
  oldest_pending_age_s: number | null;
  running_turns: number;
  outbox_backlog?: number;
  oldest_unsent_age_s?: number | null;
  uptime_s?: number;
  version?: string;
  /** Which database, and this gateway's part among those sharing it. */
  database?: { backend: string; ok: boolean };
  instances?: number;
  role?: { poll_leader: boolean; roles: string[] };
}

/** The answer of the gateway on HOST:PORT, or why none answered. */
export type RunningGateway = { url: string; health: GatewayHealth } | { url: string; reason: string };

/** The /healthz URL of the gateway this configuration starts (a wildcard host is asked on loopback). */
export function healthUrl(config: Pick<Config, "host" | "port">): string {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}/healthz`;
}

/**
 * Asks the `gateway start` of this configuration through its HTTP server, as
 * `triggers run` finds it. Something else on the port, or no answer, is a reason.
 */
export async function askRunningGateway(
  config: Pick<Config, "host" | "port">,
  timeoutMs = 3000,
): Promise<RunningGateway> {
  const url = healthUrl(config);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = error instanceof Error && error.name === "TimeoutError" ? "no answer" : rootCause(error);
    return { url, reason: `no gateway answers at ${url} (${cause ?? "no answer"})` };
  }
  const body = (await readCappedJson(response)) as Partial<GatewayHealth> | undefined;
  if (response.status !== 200 || typeof body?.channels !== "object" || typeof body.running_turns !== "number") {
    return { url, reason: `${url} answered ${response.status}, but not as a chat-gateway` };
  }
  return { url, health: body as GatewayHealth };
}
