import type { SdkShare } from "./cpu-profile.js";
import type { LoadResult } from "./load.js";
import type { OverheadResult, StreamingResult, TurnsResult } from "./phases.js";
import type { PostgresRaw } from "./postgres-runs.js";
import { machine, publish, show, stat, type Target } from "./report.js";
import type { Settings } from "./settings.js";

/** Everything measured, run by run. */
export interface Raw {
  telegram: LoadResult[];
  slack: LoadResult[];
  baseline: LoadResult[];
  paced: LoadResult[];
  turns: TurnsResult[];
  cpuPerTurn: number[];
  overhead: OverheadResult[];
  streaming: StreamingResult[];
  ready: number[];
  readySeeded: number[];
  rss10: number[];
  rssSeeded: number[];
  peakRss: number;
  errorLines: number;
  sdk: SdkShare | undefined;
  /** The same accept and turns phases on PostgreSQL, with 1, 2 and 3 gateways on one database. */
  postgres: PostgresRaw[];
}

const load = (runs: LoadResult[]) => ({
  per_second: stat(
    runs.map((r) => r.perSecond),
    0,
  ),
  p50_ms: stat(runs.map((r) => r.p50Ms)),
  p99_ms: stat(runs.map((r) => r.p99Ms)),
  refused: runs.reduce((sum, r) => sum + (r.requests - r.ok), 0),
});

/** Turns the runs into the figures, checks them against issue 9's targets, prints and writes them. */
export function summarize(raw: Raw, settings: Settings, seconds: number): void {
  const telegram = load(raw.telegram);
  const slack = load(raw.slack);
  const baseline = load(raw.baseline);
  const paced = load(raw.paced);
  const ratio = (of: Stat) => Math.round((of.median / baseline.per_second.median) * 100) / 100;
  const turns = stat(
    raw.turns.map((t) => t.perSecond),
    0,
  );
  const inbound = {
    p50_ms: stat(raw.overhead.map((o) => o.inboundToModel.p50Ms)),
    p99_ms: stat(raw.overhead.map((o) => o.inboundToModel.p99Ms)),
  };
  const outbound = {
    p50_ms: stat(raw.overhead.map((o) => o.lastTokenToReply.p50Ms)),
    p99_ms: stat(raw.overhead.map((o) => o.lastTokenToReply.p99Ms)),
  };
  const streamErrors = raw.streaming.reduce((sum, s) => sum + s.errors, 0);
  const streaming = {
    conversations: settings.streaming,
    seconds: stat(
      raw.streaming.map((s) => s.seconds),
      1,
    ),
    errors: streamErrors,
    refused: raw.streaming.reduce((sum, s) => sum + s.refused, 0),
    unanswered: raw.streaming.reduce((sum, s) => sum + s.unanswered, 0),
    incomplete: raw.streaming.reduce((sum, s) => sum + s.incomplete, 0),
  };
  const postgres = raw.postgres.map((runs) => ({
    instances: runs.instances,
    telegram: load(runs.telegram),
    slack: load(runs.slack),
    turns_per_second: stat(
      runs.turns.map((t) => t.perSecond),
      0,
    ),
    unanswered: runs.turns.reduce((s, t) => s + t.unanswered, 0),
  }));
  const onPostgres = (figure: (runs: (typeof postgres)[number]) => Stat) =>
    postgres.map((runs) => `${show(figure(runs), "")} (×${runs.instances})`).join(" | ");
  const cpu = stat(raw.cpuPerTurn);
  const share = raw.sdk?.share ?? Number.NaN;
  const sdkMs = Math.round(cpu.median * share * 100) / 100;
  const outside = Math.round((cpu.median - sdkMs) * 100) / 100;
  const rss10 = stat(raw.rss10, 1);
  const rssSeeded = stat(raw.rssSeeded, 1);
  const rssGrowth = Math.round((rssSeeded.median - rss10.median) * 10) / 10;
  const ready = stat(raw.ready, 0);
  const readySeeded = stat(raw.readySeeded, 0);
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    settings,
    bench_seconds: Math.round(seconds),
    ingress: {
      telegram,
      slack,
      baseline,
      telegram_to_baseline: ratio(telegram.per_second),
      slack_to_baseline: ratio(slack.per_second),
    },
    accept_at_1000_per_second: paced,
    turns_per_second_instant_model: { ...turns, unanswered: raw.turns.reduce((s, t) => s + t.unanswered, 0) },
    streaming,
    postgres,
    overhead: { inbound_to_model_request: inbound, last_token_to_platform_reply: outbound },
    cpu_ms_per_turn: {
      total: cpu,
      openai_sdk_share: round(share, 3),
      openai_sdk_ms: sdkMs,
      outside_sdk_ms: outside,
      profile: raw.sdk,
    },
    memory_mb: {
      peak_rss: round(raw.peakRss, 1),
      rss_10_sessions: rss10,
      rss_many_sessions: rssSeeded,
      stored_sessions: settings.storedSessions,
      difference: rssGrowth,
    },
    ready_ms: { sessions_10: ready, sessions_many: readySeeded },
    gateway_error_log_lines: raw.errorLines,
  };
  const figures: [string, string][] = [
    [
      "baseline (node:http + signature + 1 INSERT)",
      `${show(baseline.per_second, " req/s")}, p99 ${baseline.p99_ms.median} ms`,
    ],
    [
      "Telegram webhook ingress",
      `${show(telegram.per_second, " updates/s")}, p50 ${telegram.p50_ms.median} ms, p99 ${telegram.p99_ms.median} ms`,
    ],
    [
      "Slack Events API ingress",
      `${show(slack.per_second, " events/s")}, p50 ${slack.p50_ms.median} ms, p99 ${slack.p99_ms.median} ms`,
    ],
    ["accept at 1,000 msgs/s (Telegram)", `p50 ${show(paced.p50_ms, " ms")}, p99 ${show(paced.p99_ms, " ms")}`],
    [`turns/s, instant model, ${settings.turns} conversations`, show(turns)],
    [
      "accept/s SQLite | PostgreSQL × gateways (Telegram)",
      `${show(telegram.per_second, "")} | ${onPostgres((runs) => runs.telegram.per_second)}`,
    ],
    [
      "accept/s SQLite | PostgreSQL × gateways (Slack)",
      `${show(slack.per_second, "")} | ${onPostgres((runs) => runs.slack.per_second)}`,
    ],
    ["turns/s SQLite | PostgreSQL × gateways", `${show(turns)} | ${onPostgres((runs) => runs.turns_per_second)}`],
    [
      `${settings.streaming} streaming conversations (200 tokens / 2 s)`,
      `${show(streaming.seconds, " s")} to all answers, ${streamErrors} errors`,
    ],
    ["inbound receipt → model request", `p50 ${show(inbound.p50_ms, " ms")}, p99 ${show(inbound.p99_ms, " ms")}`],
    ["last token → reply at the platform", `p50 ${show(outbound.p50_ms, " ms")}, p99 ${show(outbound.p99_ms, " ms")}`],
    ["CPU per turn (whole gateway)", `${show(cpu, " ms")}; openai SDK ${Math.round(share * 100)}% = ${sdkMs} ms`],
    ["peak RSS (whole main run)", `${round(raw.peakRss, 1)} MB`],
    [`RSS, 10 vs ${settings.storedSessions} stored sessions`, `${show(rss10, " MB")} vs ${show(rssSeeded, " MB")}`],
    ["start → /healthz ready (10 / many sessions)", `${show(ready, " ms")} / ${show(readySeeded, " ms")}`],
    ["gateway error log lines", String(raw.errorLines)],
    ["bench duration", `${Math.round(seconds)} s`],
  ];
  const targets: Target[] = [
    {
      name: "Telegram ingress vs baseline",
      target: "≥ 50%",
      figure: `${Math.round(results.ingress.telegram_to_baseline * 100)}%`,
      met: results.ingress.telegram_to_baseline >= 0.5,
    },
    {
      name: "Slack ingress vs baseline",
      target: "≥ 50%",
      figure: `${Math.round(results.ingress.slack_to_baseline * 100)}%`,
      met: results.ingress.slack_to_baseline >= 0.5,
    },
    {
      name: "p99 accept at 1,000 msgs/s",
      target: "≤ 10 ms",
      figure: `${paced.p99_ms.median} ms`,
      met: paced.p99_ms.median <= 10 && paced.refused === 0,
    },
    ...overheadTargets("inbound → model", inbound),
    ...overheadTargets("last token → reply", outbound),
    { name: "turns/s, instant model", target: "≥ 1,000", figure: `${turns.median}`, met: turns.median >= 1000 },
    {
      name: `${settings.streaming} streaming conversations`,
      target: "0 errors",
      figure: `${streamErrors} errors`,
      met: streamErrors === 0 && raw.streaming.length > 0,
    },
    { name: "start → ready", target: "≤ 1,000 ms", figure: `${ready.median} ms`, met: ready.median <= 1000 },
    {
      name: `RSS ${settings.storedSessions} vs 10 sessions`,
      target: "≤ +10 MB",
      figure: `${rssGrowth >= 0 ? "+" : ""}${rssGrowth} MB`,
      met: rssGrowth <= 10,
    },
    { name: "CPU per turn outside the SDK", target: "≤ 2 ms", figure: `${outside} ms`, met: outside <= 2 },
  ];
  publish(results, figures, targets);
}

type Stat = ReturnType<typeof stat>;

function overheadTargets(name: string, spread: { p50_ms: Stat; p99_ms: Stat }): Target[] {
  return [
    { name: `${name} p50`, target: "≤ 5 ms", figure: `${spread.p50_ms.median} ms`, met: spread.p50_ms.median <= 5 },
    { name: `${name} p99`, target: "≤ 25 ms", figure: `${spread.p99_ms.median} ms`, met: spread.p99_ms.median <= 25 },
  ];
}

function round(value: number, digits = 0): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
