import type { Config } from "../config/config.js";
import type { TriggerSettings } from "../config/file-schema.js";
import { loadConfig } from "../config/load-config.js";
import { NotFoundError, UsageError } from "../errors.js";
import type { ToolApproval } from "../store/approval-repository.js";
import type { Store } from "../store/store.js";
import type { TriggerRun, TriggerState } from "../store/trigger-repository.js";
import { nextFireAt } from "../triggers/cron-schedule.js";
import { describeDestination } from "../triggers/destination.js";
import { approvalJson } from "./approval-output.js";
import { openConfiguredStore } from "./configured-store.js";
import { printJson, printTable, shortDate } from "./output.js";
import { openExistingStore } from "./read-store.js";

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** `read`: the command only looks, so a missing database is not created (see {@link openExistingStore}). */
async function withTriggers<T>(use: "read" | "write", fn: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = use === "read" ? await openExistingStore(config, "empty") : await openConfiguredStore(config);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

function find(config: Config, name: string): TriggerSettings {
  const trigger = config.triggers.find((candidate) => candidate.name === name);
  if (!trigger) throw new NotFoundError(`no trigger "${name}" in the YAML`);
  return trigger;
}

function statusOf(state: TriggerState, now: number): string {
  if (state.paused) return "paused";
  if (state.backoffUntil !== null && state.backoffUntil > now) {
    return `backing off until ${shortDate(state.backoffUntil)} (${state.failures} failed)`;
  }
  return state.failures > 0 ? `failing (${state.failures} failed)` : "ok";
}

/** `gateway triggers list`: every trigger with its next fire time, last run and status. */
export function listTriggers(options: { json?: boolean }): Promise<number> {
  return withTriggers("read", async (store, config) => {
    const now = Date.now();
    const last = await store.triggers.lastRuns();
    const rows = await Promise.all(
      config.triggers.map(async (trigger) => {
        const state = await store.triggers.state(trigger.name);
        const next = trigger.schedule && !state.paused ? nextFireAt(trigger.schedule, now) : undefined;
        return { trigger, state, next, last: last.get(trigger.name) };
      }),
    );
    if (options.json) {
      printJson(
        rows.map(({ trigger, state, next, last: run }) => ({
          name: trigger.name,
          expert: trigger.expert ?? "default",
          schedule: trigger.schedule ?? null,
          webhook: trigger.webhook ? `/hooks/${trigger.name}` : null,
          destination: describeDestination(trigger.destination),
          archive: trigger.archive,
          next_fire_at: iso(next),
          paused: state.paused,
          failures: state.failures,
          backoff_until: iso(state.backoffUntil),
          status: statusOf(state, now),
          last_run: run ? runJson(run) : null,
        })),
      );
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write("no triggers (define them under triggers: in the YAML)\n");
      return 0;
    }
    printTable([
      ["NAME", "FIRES ON", "NEXT", "LAST RUN", "STATUS"],
      ...rows.map(({ trigger, state, next, last: run }) => [
        trigger.name,
        [
          trigger.schedule ? `${trigger.schedule.cron} ${trigger.schedule.timezone}` : "",
          trigger.webhook ? "webhook" : "",
        ]
          .filter(Boolean)
          .join(" + "),
        next === undefined ? "-" : shortDate(next),
        run ? `${run.status} ${shortDate(run.firedAt)}` : "-",
        statusOf(state, now),
      ]),
    ]);
    return 0;
  });
}

function runJson(run: TriggerRun) {
  return {
    id: run.id,
    trigger: run.trigger,
    source: run.source,
    status: run.status,
    session_id: run.sessionId,
    error: run.error,
    payload: run.payload === null ? null : (JSON.parse(run.payload) as unknown),
    fired_at: iso(run.firedAt),
    finished_at: iso(run.finishedAt),
    duration_ms: run.finishedAt === null ? null : run.finishedAt - run.firedAt,
  };
}

/** The tools a run's approvals denied, each once: `files.write_file (approvals: deny)`, or `-`. */
function deniedTools(approvals: readonly ToolApproval[]): string {
  const denied = [
    ...new Set(approvals.filter((a) => a.state === "denied").map((a) => `${a.toolName} (${a.reason ?? "denied"})`)),
  ];
  return denied.length > 0 ? denied.join(", ") : "-";
}

/** `gateway triggers history NAME`: its runs, newest first. */
export function triggerHistory(name: string, options: { json?: boolean; limit?: number }): Promise<number> {
  return withTriggers("read", async (store, config) => {
    find(config, name);
    const runs = await store.triggers.history(name, options.limit ?? 20);
    // What each run's tool calls under `ask` were told (the trigger's `approvals` decides for it).
    const approvals = new Map(
      await Promise.all(
        runs.map(
          async (run) => [run.id, run.sessionId ? await store.approvals.listOfSession(run.sessionId) : []] as const,
        ),
      ),
    );
    if (options.json) {
      printJson(runs.map((run) => ({ ...runJson(run), approvals: (approvals.get(run.id) ?? []).map(approvalJson) })));
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write(`${name} has not run yet\n`);
      return 0;
    }
    printTable([
      ["RUN", "FIRED", "SOURCE", "STATUS", "TOOK", "SESSION", "TOOLS DENIED", "ERROR"],
      ...runs.map((run) => [
        run.id,
        shortDate(run.firedAt),
        run.source,
        run.status,
        run.finishedAt === null || run.status === "skipped"
          ? "-"
          : `${((run.finishedAt - run.firedAt) / 1000).toFixed(1)}s`,
        run.sessionId ?? "-",
        deniedTools(approvals.get(run.id) ?? []),
        run.error ?? "",
      ]),
    ]);
    return 0;
  });
}

/** `gateway triggers pause|resume NAME`: stored in the database, so a running gateway obeys at once. */
export function setTriggerPaused(name: string, paused: boolean): Promise<number> {
  return withTriggers("write", async (store, config) => {
    find(config, name);
    await store.triggers.setPaused(name, paused);
    process.stdout.write(`${paused ? "paused" : "resumed"} ${name}\n`);
    return 0;
  });
}

/**
 * `gateway triggers run NAME [--payload JSON]`: fires now and prints the
 * result. With `gateway start` running, the run is handed to it through the
 * database; otherwise this process runs it.
 */
export function runTrigger(name: string, options: { payload?: string; json?: boolean }): Promise<number> {
  let payload: unknown;
  if (options.payload !== undefined) {
    try {
      payload = JSON.parse(options.payload);
    } catch {
      throw new UsageError("--payload must be JSON");
    }
  }
  return withTriggers("write", async (store, config) => {
    const trigger = find(config, name);
    // Loaded here: it wires the agent and the channels, which the other trigger commands never need.
    const { runTriggerHere } = await import("./trigger-run-here.js");
    const run = await runTriggerHere({ config, store, trigger, ...(payload !== undefined ? { payload } : {}) });
    const answer = run.sessionId
      ? (await store.transcript.list(run.sessionId)).filter((entry) => entry.kind === "assistant").at(-1)?.content
      : undefined;
    if (options.json) printJson({ ...runJson(run), answer: answer ?? null });
    else if (run.status === "completed") process.stdout.write(`${answer ?? ""}\n`);
    else process.stderr.write(`run ${run.id} ${run.status}: ${run.error ?? "no answer"}\n`);
    return run.status === "completed" ? 0 : 1;
  });
}
