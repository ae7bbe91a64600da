import type { NewSession, OutboxRow, Session, Turn } from "./types.js";

export type RunSource = "schedule" | "webhook" | "manual";
export type RunStatus = "running" | "completed" | "failed" | "skipped";

/** One firing of a trigger, as recorded. */
export interface TriggerRun {
  id: string;
  trigger: string;
  source: RunSource;
  status: RunStatus;
  /** The JSON body of a webhook or `--payload`. */
  payload: string | null;
  idempotencyKey: string | null;
  sessionId: string | null;
  /** Why it failed, or why it was skipped. */
  error: string | null;
  firedAt: number;
  finishedAt: number | null;
}

/** A trigger's run-time state: paused by hand, backing off after failed runs. */
export interface TriggerState {
  paused: boolean;
  failures: number;
  backoffUntil: number | null;
}

/** Conditions that make a firing a recorded skip instead of a run. */
export type FireGuard = "paused" | "backoff" | "running";

export interface FireInput {
  trigger: string;
  source: RunSource;
  payload: string | null;
  /** A repeated key returns the first firing's run instead of firing again. */
  idempotencyKey?: string;
  guards: readonly FireGuard[];
  /** The run's fresh session; it never becomes its conversation's current one. */
  session: Omit<NewSession, "detached">;
  /** The rendered prompt, queued as the session's first message. */
  prompt: { senderId: string; senderName: string; text: string };
}

export interface FireOutcome {
  run: TriggerRun;
  /** The idempotency key was seen before: `run` is the first firing's. */
  duplicate: boolean;
}

/** A running run whose turn has ended and whose replies are no longer waiting to go out. */
export interface EndedRun {
  run: TriggerRun;
  session: Session | undefined;
  turn: Turn | undefined;
  /** The turn's last answer, error or notice row. */
  result: OutboxRow | undefined;
}

export interface RunEnding {
  status: "completed" | "failed";
  error: string | null;
  /** Move the session to this conversation (the thread the result started) and make it current there. */
  threadKey?: string;
  archive: boolean;
  /** How long the trigger waits after this many consecutive failures. */
  backoffMs: (failures: number) => number;
}

/** Trigger runs and state: firing (session + queued prompt + run in one transaction), ending, history. */
export interface TriggerRepository {
  /**
   * Records a firing. Unless a guard holds (then it is a recorded skip), it creates the run's
   * session and queues the prompt, in the same transaction.
   */
  fire(input: FireInput): Promise<FireOutcome>;
  /** Running runs whose turn ended and whose replies were delivered (or gave up), or whose session is gone. */
  ended(): Promise<EndedRun[]>;
  /**
   * Ends a running run: its status, the session moved to the thread its result started and
   * archived if asked, and the trigger's failure count and back-off, in one transaction. False
   * when the run had already ended.
   */
  finish(runId: string, ending: RunEnding): Promise<boolean>;
  get(runId: string): Promise<TriggerRun | undefined>;
  /** A trigger's runs, newest first. */
  history(trigger: string, limit?: number): Promise<TriggerRun[]>;
  /** Each trigger's newest run. */
  lastRuns(): Promise<Map<string, TriggerRun>>;
  state(trigger: string): Promise<TriggerState>;
  setPaused(trigger: string, paused: boolean): Promise<void>;
}
