import type { Store } from "../store/store.js";
import type { Spender } from "../store/usage-repository.js";

/** Dollars a user or a trigger may spend per UTC day and per UTC month. */
export interface Budget {
  daily_usd?: number | undefined;
  monthly_usd?: number | undefined;
}

export interface BudgetSettings {
  perUser: Budget | undefined;
  perTrigger: ReadonlyMap<string, Budget>;
}

/**
 * Checks the budgets before a turn: once a user's or a trigger's daily or
 * monthly budget is spent, the next turn is refused (the message says until
 * when). Costs are the estimates recorded in the usage ledger.
 */
export class BudgetGuard {
  readonly #store: Store;
  readonly #settings: BudgetSettings;
  readonly #now: () => number;

  constructor(store: Store, settings: BudgetSettings, now: () => number) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
  }

  /** The refusal to answer with, or undefined when the turn may run. */
  async refusal(who: { userId: string | null; triggerName: string | null }): Promise<string | undefined> {
    const checks: [Spender, Budget, string][] = [];
    const trigger = who.triggerName ? this.#settings.perTrigger.get(who.triggerName) : undefined;
    if (who.triggerName && trigger)
      checks.push([{ triggerName: who.triggerName }, trigger, `Trigger ${who.triggerName}`]);
    else if (who.userId && this.#settings.perUser) checks.push([{ userId: who.userId }, this.#settings.perUser, "You"]);
    const now = new Date(this.#now());
    const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const month = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    for (const [spender, budget, subject] of checks) {
      if (budget.daily_usd !== undefined) {
        const spent = await this.#store.usage.spent(spender, day);
        if (spent >= budget.daily_usd) {
          return `${subject} used today's budget (${usd(spent)} of ${usd(budget.daily_usd)}), so I won't answer until it renews at 00:00 UTC.`;
        }
      }
      if (budget.monthly_usd !== undefined) {
        const spent = await this.#store.usage.spent(spender, month);
        if (spent >= budget.monthly_usd) {
          const renews = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
          return `${subject} used this month's budget (${usd(spent)} of ${usd(budget.monthly_usd)}), so I won't answer until it renews on ${renews} (UTC).`;
        }
      }
    }
    return undefined;
  }
}

export function usd(amount: number): string {
  return `$${amount < 0.01 && amount > 0 ? amount.toFixed(4) : amount.toFixed(2)}`;
}
