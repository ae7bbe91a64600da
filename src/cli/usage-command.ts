import { UsageError } from "../errors.js";
import { usd } from "../memory/budget-guard.js";
import type { Store } from "../store/store.js";
import { type UsageGrouping, usageGroupings } from "../store/usage-repository.js";
import { printJson, printTable } from "./output.js";

/** `usage [--by session|user|expert|trigger] [--since DATE] [--json]`: tokens and estimated cost per group. */
export async function usageReport(
  store: Store,
  options: { by?: string; since?: string; json?: boolean },
): Promise<void> {
  const by = (options.by ?? "session") as UsageGrouping;
  if (!usageGroupings.includes(by)) throw new UsageError(`--by must be one of ${usageGroupings.join(", ")}`);
  let since: number | undefined;
  if (options.since !== undefined) {
    since = Date.parse(options.since);
    if (!/^\d{4}-\d{2}-\d{2}/.test(options.since) || Number.isNaN(since)) {
      throw new UsageError(`--since must be a date like 2026-11-01 (got "${options.since}")`);
    }
  }
  const sums = await store.usage.sums(by, since !== undefined ? { since } : {});
  if (options.json) {
    printJson(
      sums.map((sum) => ({
        [by]: sum.key,
        turns: sum.turns,
        calls: sum.calls,
        prompt_tokens: sum.promptTokens,
        completion_tokens: sum.completionTokens,
        cost_usd: sum.costUsd,
        unpriced_rows: sum.unpriced,
        estimated: sum.estimated,
      })),
    );
    return;
  }
  if (sums.length === 0) {
    process.stdout.write("no usage recorded\n");
    return;
  }
  const total = sums.reduce((sum, row) => sum + row.costUsd, 0);
  const unpriced = sums.some((row) => row.unpriced > 0);
  printTable([
    [by.toUpperCase(), "TURNS", "PROMPT", "COMPLETION", "COST"],
    ...sums.map((sum) => [
      sum.key ?? "(none)",
      String(sum.turns),
      String(sum.promptTokens),
      String(sum.completionTokens),
      `${usd(sum.costUsd)}${sum.unpriced > 0 ? "*" : ""}`,
    ]),
  ]);
  process.stdout.write(`total ${usd(total)} (estimated from the prices under models: in the YAML)\n`);
  if (unpriced) process.stdout.write("* some calls used a model without prices; their cost is not included\n");
}
