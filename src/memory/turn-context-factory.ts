import type { RetryPolicy } from "../agent/backoff.js";
import type { ModelClient } from "../agent/messages.js";
import type { Config } from "../config/config.js";
import { type PlaceOf, privatePlace } from "../gateway/channel.js";
import { Visibility } from "../gateway/visibility.js";
import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import { type Budget, BudgetGuard } from "./budget-guard.js";
import { Compactor } from "./compactor.js";
import { TurnContext } from "./turn-context.js";

export interface TurnContextDeps {
  config: Pick<Config, "models" | "memory" | "compaction" | "budgets" | "triggers" | "access" | "model">;
  store: Store;
  model: ModelClient;
  clock: Clock;
  logger?: Logger;
  retry?: RetryPolicy;
  /** Where conversations are, for the session tools' visibility; unknown keys count as private. */
  placeOf?: PlaceOf;
}

/** Memories, compaction and budgets as the YAML configures them. */
export function createTurnContext(deps: TurnContextDeps): TurnContext {
  const { config, store } = deps;
  const admins = new Set(config.access.admins);
  const perTrigger = new Map<string, Budget>(
    config.triggers.flatMap((trigger) => (trigger.budget ? [[trigger.name, trigger.budget]] : [])),
  );
  const budgetsSet = config.budgets.per_user !== undefined || perTrigger.size > 0;
  return new TurnContext({
    store,
    memory: { enabled: config.memory.enabled, budgetTokens: config.memory.budget_tokens },
    isAdmin: (principal) => admins.has(principal),
    visibility: new Visibility(deps.placeOf ?? privatePlace, (principal) => store.queue.conversationsOf(principal)),
    compactor: new Compactor({
      store,
      client: deps.model,
      idleTimeoutMs: config.model.timeoutMs,
      settings: {
        auto: config.compaction.auto,
        reserveTokens: config.compaction.reserve_tokens,
        contextTokens: (model) => config.models[model]?.context_tokens ?? config.compaction.default_context_tokens,
      },
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.retry ? { retry: deps.retry } : {}),
    }),
    ...(budgetsSet
      ? { budgets: new BudgetGuard(store, { perUser: config.budgets.per_user, perTrigger }, deps.clock) }
      : {}),
  });
}
