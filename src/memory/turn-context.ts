import type { ChatMessage } from "../agent/messages.js";
import { type Tool, toToolSpec } from "../agent/tools.js";
import type { ModelError } from "../errors.js";
import type { Expert } from "../experts/expert-registry.js";
import type { Visibility } from "../gateway/visibility.js";
import type { Store } from "../store/store.js";
import type { Session } from "../store/types.js";
import type { BudgetGuard } from "./budget-guard.js";
import type { Compactor, FitResult } from "./compactor.js";
import { memoryPrompt } from "./memory-prompt.js";
import { memoryScope } from "./memory-scope.js";
import { createMemoryTools } from "./memory-tools.js";
import { createSessionTools } from "./session-tools.js";
import { countMessages, countTokens, countToolSpecs } from "./token-counter.js";

export interface TurnContextOptions {
  store: Store;
  compactor: Compactor;
  /** `memory.enabled` and `memory.budget_tokens` of the YAML. */
  memory: { enabled: boolean; budgetTokens: number };
  budgets?: BudgetGuard;
  isAdmin: (principal: string) => boolean;
  /** The visibility rule the session tools apply. */
  visibility: Visibility;
}

export interface TurnSubject {
  session: Session;
  expert: Expert;
  userId: string | null;
  triggerName: string | null;
  turnId: number | null;
  /** The Expert's own tools (from its `tools:`). */
  tools: readonly Tool[];
  signal?: AbortSignal;
}

/** Everything a turn starts from. */
export interface PreparedTurn {
  /** Set when a budget is spent: answer this instead of running the turn. */
  refusal?: string;
  instructions: string;
  tools: Tool[];
  history: ChatMessage[];
  /**
   * Fits the history again before a later step (`step`: only when it grew past
   * the budget) or after the provider said it was too long (`overflow`).
   */
  refit(history: ChatMessage[], reason: "step" | "overflow", error?: ModelError): Promise<ChatMessage[] | undefined>;
}

/**
 * What a turn starts from besides its Expert: the budgets, the memories of
 * its workspace and user, the memory and session tools, and a history
 * compacted to fit the model's context.
 */
export class TurnContext {
  readonly #options: TurnContextOptions;
  readonly #memoryTools: Tool[];

  constructor(options: TurnContextOptions) {
    this.#options = options;
    this.#memoryTools = [
      ...createMemoryTools(options.store, options.isAdmin),
      ...createSessionTools(options.store, options.isAdmin, options.visibility),
    ];
  }

  /** Names of the tools memory adds to every Expert with memory on. */
  get memoryToolNames(): string[] {
    return this.#memoryTools.map((tool) => tool.name);
  }

  async prepare(subject: TurnSubject): Promise<PreparedTurn> {
    const { store, compactor } = this.#options;
    const { session, expert } = subject;
    const refusal = await this.#options.budgets?.refusal({
      userId: subject.userId,
      triggerName: subject.triggerName ?? triggerOf(session),
    });
    const memoryOn = this.#options.memory.enabled && expert.memory;
    const memories = memoryOn
      ? await memoryPrompt(
          store,
          { scope: memoryScope(session), userId: subject.userId ?? session.owner },
          this.#options.memory.budgetTokens,
        )
      : "";
    const instructions = [expert.instructions.trim(), memories].filter((part) => part !== "").join("\n\n");
    const own = new Set(subject.tools.map((tool) => tool.name));
    const tools = [...subject.tools, ...(memoryOn ? this.#memoryTools.filter((tool) => !own.has(tool.name)) : [])];
    const fixedTokens =
      (instructions ? countMessages([{ role: "system", content: instructions }]) : 0) +
      countToolSpecs(tools.map(toToolSpec));
    const fitHistory = (reason: "turn" | "overflow", rejectedTokens?: number) =>
      compactor.fit({
        session,
        model: expert.model,
        fixedTokens,
        reason,
        ...(rejectedTokens !== undefined ? { rejectedTokens } : {}),
        turnId: subject.turnId,
        userId: subject.userId,
        expert: expert.name,
        vision: expert.vision,
        ...(subject.signal ? { signal: subject.signal } : {}),
      });
    const history = refusal ? [] : (await fitHistory("turn")).messages;
    return {
      ...(refusal ? { refusal } : {}),
      instructions,
      tools,
      history,
      refit: async (current, reason, error) => {
        if (error?.contextTokens !== undefined) compactor.learnContext(expert.model, error.contextTokens);
        const tokens = countMessages(current);
        if (reason === "step" && tokens <= compactor.budget(expert.model, fixedTokens)) return undefined;
        return (await fitHistory(reason === "step" ? "turn" : "overflow", tokens + fixedTokens)).messages;
      },
    };
  }

  /** The `compact` command: summarizes the oldest part of a session now. */
  async compact(session: Session, expert: Expert, userId: string | null): Promise<FitResult> {
    return this.#options.compactor.fit({
      session,
      model: expert.model,
      fixedTokens: countTokens(expert.instructions),
      reason: "manual",
      userId,
      expert: expert.name,
      vision: expert.vision,
    });
  }
}

/** A trigger's session, until triggers record their name with each turn: its owner names the trigger. */
function triggerOf(session: Session): string | null {
  return session.origin === "trigger" ? session.owner : null;
}
