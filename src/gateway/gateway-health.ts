import { describeError, GatewayError } from "../errors.js";
import type { Clock } from "../ids.js";
import type { Coordination } from "../store/coordination.js";
import type { Store } from "../store/store.js";
import type { ChannelAdapter, ChannelStatus } from "./channel.js";

/** What /healthz reports of the gateway (the HTTP route adds the database, uptime and version). */
export interface GatewayHealth {
  ok: boolean;
  problems: string[];
  channels: Record<string, ChannelStatus>;
  /** This gateway's part among those on the database: whether it polls Telegram for all of them, and its roles. */
  role: { poll_leader: boolean; roles: string[] };
  /** Gateways alive on the database (1 without coordination). */
  instances: number;
  /** What is wrong with the coordination connection, while something is. */
  coordination?: string;
  queue_depth: number;
  oldest_pending_age_s: number | null;
  running_turns: number;
  outbox_backlog: number;
  oldest_unsent_age_s: number | null;
}

/**
 * `ok` only while messages are accepted and every channel accepts them (webhook routes mounted,
 * polling running or standing by for the poll leader, Socket Mode connected); `problems` says why
 * not, one line per cause. A database that does not answer throws (the route answers 503).
 */
export async function gatewayHealth(input: {
  store: Store;
  coordination: Coordination | undefined;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  accepting: boolean;
  roles: string[];
  runningTurns: number;
  clock: Clock;
}): Promise<GatewayHealth> {
  const { store, coordination, clock } = input;
  const [stats, backlog, members] = await Promise.all([
    store.queue.stats(),
    store.outbox.backlog(),
    coordination?.members().catch(() => undefined),
  ]).catch((error: unknown) => {
    throw new GatewayError("DATABASE_UNREACHABLE", `the database does not answer: ${describeError(error)}`, {
      cause: error,
    });
  });
  const channels = Object.fromEntries([...input.adapters.values()].map((adapter) => [adapter.name, adapter.status()]));
  const problems = [
    ...(input.accepting ? [] : ["the gateway is not accepting messages (starting or stopping)"]),
    ...Object.entries(channels)
      .filter(([, status]) => status.state !== "running")
      .map(([name, status]) => `${name}: ${status.state}${status.detail ? ` (${status.detail})` : ""}`),
  ];
  const age = (at: number | null) => (at === null ? null : Math.round((clock() - at) / 1000));
  return {
    ok: problems.length === 0,
    problems,
    channels,
    role: { poll_leader: input.roles.some((role) => role.startsWith("telegram-poll:")), roles: input.roles },
    instances: members ?? 1,
    ...(coordination?.problem ? { coordination: coordination.problem } : {}),
    queue_depth: stats.depth,
    oldest_pending_age_s: age(stats.oldestReceivedAt),
    running_turns: input.runningTurns,
    outbox_backlog: backlog.pending,
    oldest_unsent_age_s: age(backlog.oldestCreatedAt),
  };
}
