import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { GatewayMetrics, MessageOutcome } from "../gateway/metrics.js";
import type { TurnState } from "../store/types.js";

/** What the gauges show, read from the store (all instances) and this process at each scrape. */
export interface GaugeReadings {
  queueDepth: number;
  oldestQueuedAgeSeconds: number | null;
  outboxBacklog: number;
  oldestUnsentAgeSeconds: number | null;
  runningTurns: number;
}

/** The gauges from what `/healthz` reports (the gateway's `health()`). */
export function gaugeReadings(health: {
  queue_depth: number;
  oldest_pending_age_s: number | null;
  outbox_backlog: number;
  oldest_unsent_age_s: number | null;
  running_turns: number;
}): GaugeReadings {
  return {
    queueDepth: health.queue_depth,
    oldestQueuedAgeSeconds: health.oldest_pending_age_s,
    outboxBacklog: health.outbox_backlog,
    oldestUnsentAgeSeconds: health.oldest_unsent_age_s,
    runningTurns: health.running_turns,
  };
}

/** Seconds: a model call or a turn takes from under a second to several minutes. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The gateway's Prometheus series (prom-client): the core's events ({@link GatewayMetrics}), the
 * model's latency, tokens and cost ({@link modelCall}), gauges read at scrape time, and the
 * process's own metrics. One registry per gateway, so tests can run several in one process.
 */
export class PrometheusMetrics implements GatewayMetrics {
  readonly registry = new Registry();
  readonly #messages: Counter<"channel" | "outcome">;
  readonly #turnsStarted: Counter;
  readonly #turnsFinished: Counter<"state">;
  readonly #turnsFailed: Counter;
  readonly #turnSeconds: Histogram;
  readonly #modelSeconds: Histogram<"model" | "outcome">;
  readonly #tokens: Counter<"model" | "kind">;
  readonly #cost: Counter<"model">;
  readonly #rateLimited: Counter<"channel">;
  readonly #retries: Counter<"channel">;
  readonly #gauges: Record<keyof GaugeReadings, Gauge>;
  #read: (() => Promise<GaugeReadings>) | undefined;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#messages = new Counter({
      name: "gateway_messages_total",
      help: "Inbound messages by channel and outcome (accepted, duplicate, refused, command, ignored, forbidden).",
      labelNames: ["channel", "outcome"],
      registers,
    });
    this.#turnsStarted = new Counter({ name: "gateway_turns_started_total", help: "Turns started.", registers });
    this.#turnsFinished = new Counter({
      name: "gateway_turns_finished_total",
      help: "Turns ended, by final state (completed, failed, cancelled, interrupted, crashed).",
      labelNames: ["state"],
      registers,
    });
    this.#turnsFailed = new Counter({
      name: "gateway_turns_failed_total",
      help: "Turns that failed or crashed.",
      registers,
    });
    this.#turnSeconds = new Histogram({
      name: "gateway_turn_duration_seconds",
      help: "How long a turn ran, from claim to end.",
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#modelSeconds = new Histogram({
      name: "gateway_model_request_duration_seconds",
      help: "How long one model request took, to its last streamed chunk.",
      labelNames: ["model", "outcome"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#tokens = new Counter({
      name: "gateway_model_tokens_total",
      help: "Model tokens by model and kind (prompt, completion).",
      labelNames: ["model", "kind"],
      registers,
    });
    this.#cost = new Counter({
      name: "gateway_model_cost_usd_total",
      help: "Estimated model cost in US dollars (models with prices in the YAML).",
      labelNames: ["model"],
      registers,
    });
    this.#rateLimited = new Counter({
      name: "gateway_platform_rate_limited_total",
      help: "429 answers from a platform to a reply.",
      labelNames: ["channel"],
      registers,
    });
    this.#retries = new Counter({
      name: "gateway_platform_retries_total",
      help: "Replies sent again after an error.",
      labelNames: ["channel"],
      registers,
    });
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    this.#gauges = {
      queueDepth: gauge("gateway_queue_depth", "Messages waiting or being answered (all instances)."),
      oldestQueuedAgeSeconds: gauge("gateway_queue_oldest_age_seconds", "Age of the oldest waiting message."),
      outboxBacklog: gauge("gateway_outbox_backlog", "Replies not yet delivered (all instances)."),
      oldestUnsentAgeSeconds: gauge("gateway_outbox_oldest_age_seconds", "Age of the oldest undelivered reply."),
      runningTurns: gauge("gateway_turns_running", "Turns this instance runs now."),
    };
  }

  message(channel: string, outcome: MessageOutcome): void {
    this.#messages.inc({ channel, outcome });
  }

  turnStarted(): void {
    this.#turnsStarted.inc();
  }

  turnEnded(state: TurnState | "crashed", seconds: number): void {
    this.#turnsFinished.inc({ state });
    if (state === "failed" || state === "crashed") this.#turnsFailed.inc();
    this.#turnSeconds.observe(seconds);
  }

  rateLimited(channel: string): void {
    this.#rateLimited.inc({ channel });
  }

  retried(channel: string): void {
    this.#retries.inc({ channel });
  }

  /** One model request ended: its latency, and its tokens and cost when the model reported usage. */
  modelCall(call: {
    model: string;
    seconds: number;
    ok: boolean;
    usage?: { promptTokens: number; completionTokens: number };
    costUsd?: number;
  }): void {
    this.#modelSeconds.observe({ model: call.model, outcome: call.ok ? "ok" : "error" }, call.seconds);
    if (call.usage) {
      this.#tokens.inc({ model: call.model, kind: "prompt" }, call.usage.promptTokens);
      this.#tokens.inc({ model: call.model, kind: "completion" }, call.usage.completionTokens);
    }
    if (call.costUsd !== undefined) this.#cost.inc({ model: call.model }, call.costUsd);
  }

  /** Where the gauges are read at each scrape (the gateway, once it is built). */
  readGaugesFrom(read: () => Promise<GaugeReadings>): void {
    this.#read = read;
  }

  /** The exposition text, gauges read now. */
  async render(): Promise<string> {
    const readings = (await this.#read?.()) ?? {};
    for (const [key, value] of Object.entries(readings) as [keyof GaugeReadings, number | null][]) {
      this.#gauges[key].set(value ?? 0);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
