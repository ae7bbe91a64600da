import type { Config } from "../config/config.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";
import type { HttpServer } from "../http/http-server.js";
import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Coordination } from "../store/coordination.js";
import type { Store } from "../store/store.js";
import { AccessControl } from "./access-control.js";
import { ApprovalWaiter } from "./approvals/approval-waiter.js";
import type { ChannelSections } from "./bindings.js";
import { bindingFor } from "./bindings.js";
import {
  AcceptError,
  type AcceptResult,
  type ChannelAdapter,
  type ChannelHost,
  type InboundMessage,
  type PlaceOf,
  privatePlace,
} from "./channel.js";
import { ChatPacer } from "./chat-pacer.js";
import { commandHelp } from "./commands/chat-commands.js";
import { type GatewayHealth, gatewayHealth } from "./gateway-health.js";
import { Intake } from "./intake.js";
import { LeaderRoles } from "./leader-roles.js";
import type { GatewayMetrics } from "./metrics.js";
import { OutboxSender } from "./outbox-sender.js";
import { newOwnerId, ownerIsGone } from "./process-owner.js";
import type { TurnRunnerDeps } from "./turn-runner.js";
import { TurnScheduler } from "./turn-scheduler.js";
import { Visibility } from "./visibility.js";

/** The store refused the write (disk full, read-only): the platform must get an error and retry. */
export interface GatewayOptions {
  config: Pick<Config, "maxTurns" | "queue" | "access"> & Partial<Pick<Config, "retentionDays">> & ChannelSections;
  store: Store;
  runner: TurnRunnerDeps;
  experts: ExpertRegistry;
  adapters: ChannelAdapter[];
  http: HttpServer;
  logger: Logger;
  clock: Clock;
  leaseMs?: number;
  pollMs?: number;
  /** Work on this one conversation only (a terminal chat beside a running gateway). */
  onlyConversation?: string;
  /** An outbox row was delivered (a trigger's run may have ended). */
  onDelivered?: () => void;
  /** Where conversations are (private or shared), for `sessions` and `resume`; unknown keys count as private. */
  placeOf?: PlaceOf;
  /**
   * Tool calls under `ask`: how long a request waits (default 10 minutes) and each trigger's
   * `approvals` rule (default `deny`).
   */
  approvals?: { timeoutMs?: number; triggerRule?: (trigger: string) => "auto" | "deny" };
  /** Where the core reports what happens (Prometheus `/metrics`); none by default. */
  metrics?: GatewayMetrics;
  /**
   * The other gateways on the database (PostgreSQL): presence, so a dead one's work is taken over
   * within seconds; roles only one may hold; wake-ups when another wrote work. Without it the
   * gateway holds every role and finds others' work by polling.
   */
  coordination?: Coordination;
}

const LEASE_MS = 30_000;
const APPROVAL_TIMEOUT_MS = 10 * 60_000;
/** How often a gateway with coordination looks for gateways that died, to take their work over. */
const GONE_CHECK_MS = 2000;
const DAY_MS = 24 * 3600 * 1000;
/** Duplicates are recognised for at least this long (Slack retries for minutes, Telegram keeps updates 24 h). */
const KEEP_DELIVERY_KEYS_MS = 7 * DAY_MS;

/**
 * The durable core: accepts messages from every channel into the store, runs
 * turns from it and delivers replies through the outbox. Every decision can
 * be remade from the database after a crash.
 */
export class Gateway {
  readonly owner = newOwnerId();
  readonly scheduler: TurnScheduler;
  readonly outbox: OutboxSender;
  readonly intake: Intake;
  readonly roles: LeaderRoles;
  readonly #options: GatewayOptions;
  readonly #adapters: Map<string, ChannelAdapter>;
  #heartbeat: NodeJS.Timeout | undefined;
  #prune: NodeJS.Timeout | undefined;
  #goneCheck: NodeJS.Timeout | undefined;
  #accepting = false;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#adapters = new Map(options.adapters.map((adapter) => [adapter.name, adapter]));
    this.roles = new LeaderRoles(options.coordination, options.logger);
    const leaseMs = options.leaseMs ?? LEASE_MS;
    const scope = {
      channels: [...this.#adapters.keys()],
      ...(options.onlyConversation ? { conversationKey: options.onlyConversation } : {}),
    };
    // One pace per conversation for answers and previews: a 429 seen by either holds both. Where other
    // gateways share the database (coordination), the pace is kept in it, so it holds them too; a
    // gateway alone on its database (SQLite) keeps it in memory, as a database write per reply would
    // share it with nobody.
    const pacer = new ChatPacer(options.clock, options.coordination ? options.store.pacing : undefined);
    const waiter = new ApprovalWaiter({ store: options.store, clock: options.clock, pollMs: options.pollMs ?? 500 });
    this.outbox = new OutboxSender({
      scope,
      pacer,
      store: options.store,
      adapters: this.#adapters,
      owner: this.owner,
      clock: options.clock,
      logger: options.logger,
      leaseMs,
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      ...(options.onDelivered ? { onDelivered: options.onDelivered } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.scheduler = new TurnScheduler({
      scope,
      runner: options.runner,
      experts: options.experts,
      adapters: this.#adapters,
      owner: this.owner,
      clock: options.clock,
      logger: options.logger,
      maxTurns: options.config.maxTurns,
      leaseMs,
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      onOutbox: () => this.outbox.wake(),
      pacer,
      modeOf: (session) => this.intake.modeOf(session),
      approvals: {
        waiter,
        timeoutMs: options.approvals?.timeoutMs ?? APPROVAL_TIMEOUT_MS,
        triggerRule: options.approvals?.triggerRule ?? (() => "deny"),
      },
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    const { config } = options;
    this.intake = new Intake({
      store: options.store,
      experts: options.experts,
      access: new AccessControl(
        {
          allow: config.access.allow,
          admins: config.access.admins,
          channels: { telegram: config.telegram.settings?.allow, slack: config.slack.settings?.allow },
        },
        options.store,
      ),
      config,
      adapters: this.#adapters,
      logger: options.logger,
      onQueued: () => {
        this.scheduler.wake();
        // All turn slots busy here: another gateway on the database may start it at once.
        if (this.scheduler.runningCount >= options.config.maxTurns) options.coordination?.announce("turns");
      },
      onOutbox: () => this.outbox.wake(),
      onCancel: () => {
        this.scheduler.wake();
        // The turn to stop may run in another gateway.
        options.coordination?.announce("turns");
      },
      turnContext: options.runner.context,
      approvals: waiter,
      visibility: new Visibility(options.placeOf ?? privatePlace, (principal) =>
        options.store.queue.conversationsOf(principal),
      ),
    });
  }

  get adapters(): ReadonlyMap<string, ChannelAdapter> {
    return this.#adapters;
  }

  /**
   * Commits an inbound message before the adapter acknowledges the platform.
   * Throws {@link AcceptError} when it could not be stored (answer 503).
   */
  async accept(message: InboundMessage): Promise<AcceptResult> {
    if (!this.#accepting) throw new AcceptError("the gateway is not accepting messages (starting or stopping)");
    try {
      const result = await this.intake.accept(message);
      this.#options.metrics?.message(message.channel, result.status);
      return result;
    } catch (error) {
      this.#options.logger.error({ err: error, channel: message.channel }, "could not store an inbound message");
      throw new AcceptError("the message could not be stored", error);
    }
  }

  /** Starts the adapters, then turns and deliveries (picking up whatever a stopped process left). */
  async start(): Promise<void> {
    const { store, logger, http, coordination } = this.#options;
    if (coordination) {
      await coordination.join(this.owner);
      coordination.onWork((kind) => (kind === "turns" ? this.scheduler.wake() : this.outbox.wake()));
    }
    await this.#expireGoneOwners();
    this.#accepting = true;
    const host: ChannelHost = {
      accept: (message) => this.accept(message),
      route: (method, path, handler, options) => http.route(method, path, handler, options),
      moveConversation: async (from, to) => {
        await store.sessions.moveConversation(from, to);
        logger.info({ from, to }, "conversation moved");
      },
      welcome: async (conversationKey, chatId) => {
        const session = await store.sessions.current(conversationKey);
        const bound = bindingFor(this.#options.config, conversationKey.split(":")[0] ?? "", chatId).expert;
        const expert = this.#options.experts.forSession(session?.expert ?? bound ?? "default");
        return { expert: expert.name, greeting: expert.greeting, suggestedPrompts: expert.suggestedPrompts };
      },
      knows: async (conversationKey) => (await store.sessions.current(conversationKey)) !== undefined,
      firstTime: (key) => store.queue.recordDelivery([key]),
      commands: commandHelp,
      logger,
      lead: (role, work) => this.roles.lead(role, work),
    };
    for (const adapter of this.#adapters.values()) {
      await adapter.start(host);
      logger.info({ channel: adapter.name }, "channel started");
    }
    this.scheduler.start();
    this.outbox.start();
    const prune = () =>
      Promise.all([
        store.queue.pruneDeliveryKeys(KEEP_DELIVERY_KEYS_MS),
        store.pacing.prune(this.#options.clock() - ChatPacer.FORGET_AFTER_MS),
        this.#pruneArchived(),
      ]).catch((error: unknown) => logger.warn({ err: error }, "pruning failed"));
    void prune();
    this.#prune = setInterval(prune, 3600_000);
    this.#prune.unref();
    const leaseMs = this.#options.leaseMs ?? LEASE_MS;
    this.#heartbeat = setInterval(() => {
      store.leases
        .renewLeases(this.owner, leaseMs)
        .then(() => this.#expireGoneOwners())
        .catch((error: unknown) => logger.error({ err: error }, "lease renewal failed"));
    }, leaseMs / 3);
    if (coordination) {
      // A gateway on another host that died is known by its presence, not only by its leases running out.
      this.#goneCheck = setInterval(() => {
        this.#expireGoneOwners().catch((error: unknown) =>
          logger.warn({ err: error }, "looking for stopped gateways failed"),
        );
      }, GONE_CHECK_MS);
      this.#goneCheck.unref();
    }
  }

  /**
   * Drains: stops intake, lets running turns finish for `graceMs`, delivers
   * what is ready, and leaves everything else in the database for the next start.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.#accepting = false;
    for (const adapter of this.#adapters.values()) {
      await adapter.stop().catch((error: unknown) => this.#options.logger.warn({ err: error }, "adapter stop failed"));
    }
    await this.scheduler.stop(graceMs);
    await this.outbox.stop(Math.min(graceMs, 5000));
    clearInterval(this.#heartbeat);
    clearInterval(this.#prune);
    clearInterval(this.#goneCheck);
    // Handing over: what this process still holds is claimable by the others at once (and they are woken).
    await this.#options.store.leases.expireLeases([this.owner]);
    this.#options.coordination?.announce("turns");
    this.#options.coordination?.announce("outbox");
    await this.#options.coordination?.leave();
  }

  /**
   * What /healthz reports. `ok` only while messages are accepted and every
   * channel accepts them (webhook routes mounted, polling running, Socket Mode
   * connected); `problems` says why not, one line per cause.
   */
  health(): Promise<GatewayHealth> {
    return gatewayHealth({
      store: this.#options.store,
      coordination: this.#options.coordination,
      adapters: this.#adapters,
      accepting: this.#accepting,
      roles: this.roles.held(),
      runningTurns: this.scheduler.runningCount,
      clock: this.#options.clock,
    });
  }

  /** Retention: archived sessions older than `retentionDays` go; active and inactive ones never do. */
  async #pruneArchived(): Promise<void> {
    const days = this.#options.config.retentionDays;
    if (days === undefined) return;
    const pruned = await this.#options.store.sessions.pruneArchived(this.#options.clock() - days * DAY_MS);
    if (pruned.length > 0) this.#options.logger.info({ sessions: pruned.length, days }, "pruned archived sessions");
  }

  async #expireGoneOwners(): Promise<void> {
    const owners = await this.#options.store.leases.leaseOwners();
    const others = owners.filter((owner) => owner !== this.owner);
    const absent = new Set((await this.#options.coordination?.gone(others)) ?? []);
    const gone = others.filter((owner) => absent.has(owner) || ownerIsGone(owner, this.owner));
    if (gone.length > 0) {
      this.#options.logger.info({ owners: gone }, "taking over work of stopped processes");
      await this.#options.store.leases.expireLeases(gone);
    }
  }
}
