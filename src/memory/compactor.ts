import type { RetryPolicy } from "../agent/backoff.js";
import type { ChatMessage, ModelClient } from "../agent/messages.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { Session } from "../store/types.js";
import { dropDuplicateToolResults, pruneToolResults, trimOldest, truncateToolOutputs } from "./compaction-stages.js";
import { type ContextUnit, toUnits } from "./context-units.js";
import { summarize } from "./summarizer.js";
import { countMessage } from "./token-counter.js";

export interface CompactionSettings {
  /** Write LLM summaries on their own when history does not fit (else only `compact` does). */
  auto: boolean;
  /** Tokens kept free for the answer. */
  reserveTokens: number;
  /** The context window of a model. */
  contextTokens(model: string): number;
}

export interface CompactorDeps {
  store: Store;
  client: ModelClient;
  settings: CompactionSettings;
  idleTimeoutMs: number;
  logger?: Logger;
  retry?: RetryPolicy;
}

/** Why history is being fitted: a normal turn, the provider said it overflowed, or the `compact` command. */
export type FitReason = "turn" | "overflow" | "manual";

export interface FitRequest {
  session: Session;
  model: string;
  /** Tokens of what every request carries besides history: the system message and the tool definitions. */
  fixedTokens: number;
  reason: FitReason;
  /** Tokens the provider rejected (overflow), so the target lies clearly below them. */
  rejectedTokens?: number;
  /** Usage of summary calls is recorded against this turn and user. */
  turnId?: number | null;
  userId?: string | null;
  expert: string;
  /** The model takes images: image attachments stay in the history as images. */
  vision: boolean;
  signal?: AbortSignal;
}

export interface FitResult {
  messages: ChatMessage[];
  tokens: number;
  budget: number;
  /** The stages that ran, in order. */
  stages: string[];
  /** Set when a summary was written this time. */
  summaryId?: number;
}

/**
 * Fits a session's history into its model's context. It starts from the
 * newest stored summary and the messages after it; when they do not fit it
 * runs, in order and only until they fit: truncate long tool outputs, drop
 * duplicate tool results, prune older tool results, summarize the oldest part
 * with the model (stored; the transcript stays whole), and trim the oldest turns.
 */
export class Compactor {
  readonly #deps: CompactorDeps;
  /** Context windows endpoints named in "context length exceeded" answers, smaller than the YAML said. */
  readonly #learned = new Map<string, number>();

  constructor(deps: CompactorDeps) {
    this.#deps = deps;
  }

  /** History tokens a request for this model may use, given what else it carries. */
  budget(model: string, fixedTokens: number): number {
    const { settings } = this.#deps;
    const context = Math.min(settings.contextTokens(model), this.#learned.get(model) ?? Number.POSITIVE_INFINITY);
    return Math.max(256, context - settings.reserveTokens - fixedTokens);
  }

  /** Remembers (for this process) a context window the endpoint reported. */
  learnContext(model: string, contextTokens: number): void {
    this.#learned.set(model, contextTokens);
  }

  async fit(request: FitRequest): Promise<FitResult> {
    const { store, settings } = this.#deps;
    const normal = this.budget(request.model, request.fixedTokens);
    // Without a window named by the endpoint, aim well below what it rejected.
    const budget =
      request.reason === "overflow" && request.rejectedTokens !== undefined && !this.#learned.has(request.model)
        ? Math.min(normal, Math.floor(request.rejectedTokens * 0.7))
        : normal;
    const [entries, stored] = await Promise.all([
      store.transcript.list(request.session.id),
      store.transcript.latestSummary(request.session.id),
    ]);
    let summary = stored?.entry.content;
    let summaryId: number | undefined;
    const units = toUnits(
      entries.filter((entry) => entry.kind !== "summary" && (!stored || entry.id > stored.coversThrough)),
      { vision: request.vision },
    );
    const summaryTokens = () => (summary ? countMessage(summaryMessage(summary)) : 0);
    const total = () => summaryTokens() + units.reduce((sum, unit) => sum + unit.tokens, 0);
    const fits = () => total() <= budget;
    const stages: string[] = [];
    const done = (): FitResult => ({
      messages: [...(summary ? [summaryMessage(summary)] : []), ...units.flatMap((unit) => unit.messages)],
      tokens: total(),
      budget,
      stages,
      ...(summaryId !== undefined ? { summaryId } : {}),
    });
    const manual = request.reason === "manual";
    if (fits() && !manual) return done();

    if (!manual) {
      if (truncateToolOutputs(units, Math.max(200, Math.floor(budget / 8)))) stages.push("truncate");
      if (fits()) return done();
      if (dropDuplicateToolResults(units)) stages.push("dedupe");
      if (fits()) return done();
      if (pruneToolResults(units, lastTurnStart(units), fits)) stages.push("prune");
      if (fits()) return done();
    }

    if (settings.auto || request.reason !== "turn") {
      // `compact` keeps only the newest turn; on its own, compaction keeps what fits in half the budget.
      const cut = manual ? lastTurnStart(units) : summaryCut(units, Math.floor(budget * 0.5));
      if (cut > 0) {
        const head = units.splice(0, cut);
        try {
          const written = await this.#summarize(request, summary, head, budget);
          summary = written.content;
          summaryId = written.id;
          stages.push("summary");
        } catch (error) {
          units.unshift(...head);
          this.#deps.logger?.warn({ err: error, session: request.session.id }, "compaction summary failed");
          if (manual) throw error;
        }
      }
    }
    if (!fits() && trimOldest(units, fits) > 0) stages.push("trim");
    return done();
  }

  async #summarize(request: FitRequest, previous: string | undefined, head: ContextUnit[], budget: number) {
    const { store, client, idleTimeoutMs, retry } = this.#deps;
    const last = head.at(-1);
    if (!last) throw new Error("nothing to summarize");
    const result = await summarize({
      client,
      model: request.model,
      previous,
      units: head,
      inputTokens: Math.floor(budget * 0.8),
      idleTimeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(retry ? { retry } : {}),
    });
    const entry = await store.transcript.appendSummary(request.session.id, result.text, last.lastEntryId);
    await store.usage.record({
      sessionId: request.session.id,
      turnId: request.turnId ?? null,
      expert: request.expert,
      model: request.model,
      userId: request.userId ?? null,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      estimated: result.estimated,
    });
    return entry;
  }
}

export function summaryMessage(summary: string): ChatMessage {
  return { role: "system", content: `Summary of the earlier part of this conversation:\n${summary}` };
}

/** The first unit of the newest turn: what stage 3 leaves alone. */
function lastTurnStart(units: readonly ContextUnit[]): number {
  for (let i = units.length - 1; i >= 0; i--) if (units[i]?.user) return i;
  return Math.max(0, units.length - 1);
}

/**
 * How many of the oldest units to summarize: all but a tail of at most
 * `keepTokens` that starts at a user message, and never the last unit.
 */
function summaryCut(units: readonly ContextUnit[], keepTokens: number): number {
  let kept = 0;
  let cut = units.length;
  for (let i = units.length - 1; i >= 0; i--) {
    const unit = units[i];
    if (!unit) break;
    if (i < units.length - 1 && kept + unit.tokens > keepTokens) break;
    kept += unit.tokens;
    if (unit.user || i === units.length - 1) cut = i;
  }
  return cut;
}
