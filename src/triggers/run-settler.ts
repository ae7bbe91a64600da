import type { TriggerSettings } from "../config/file-schema.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { EndedRun } from "../store/trigger-repository.js";

const MAX_BACKOFF_MS = 3600_000;

/** One minute after the first failure, doubling, at most an hour. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** (failures - 1));
}

/**
 * Ends runs whose turn ended and whose result was delivered (or could not
 * be): records the outcome, moves the session to the thread its result
 * started, archives it (`archive: on_finish`) and counts failures for the
 * back-off. Returns how many runs it ended.
 */
export async function settleRuns(deps: {
  store: Store;
  triggers: ReadonlyMap<string, TriggerSettings>;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  logger: Logger;
}): Promise<number> {
  let settled = 0;
  for (const ended of await deps.store.triggers.ended()) {
    const { status, error } = outcomeOf(ended);
    const trigger = deps.triggers.get(ended.run.trigger);
    const threadKey = threadOf(ended, deps.adapters);
    const finished = await deps.store.triggers.finish(ended.run.id, {
      status,
      error,
      ...(threadKey ? { threadKey } : {}),
      archive: trigger?.archive !== "never",
      backoffMs,
    });
    if (!finished) continue;
    settled++;
    const fields = { trigger: ended.run.trigger, run: ended.run.id, session: ended.run.sessionId };
    if (status === "failed") deps.logger.warn({ ...fields, error }, "trigger run failed");
    else deps.logger.info(fields, "trigger run completed");
  }
  return settled;
}

function outcomeOf(ended: EndedRun): { status: "completed" | "failed"; error: string | null } {
  const { session, turn, result } = ended;
  if (!session) return { status: "failed", error: "its session was deleted" };
  if (!turn) return { status: "failed", error: "no turn answered it" };
  if (turn.state !== "completed") return { status: "failed", error: turn.error ?? `the turn ended ${turn.state}` };
  if (result?.state === "failed") return { status: "failed", error: `could not deliver: ${result.error ?? "unknown"}` };
  return { status: "completed", error: null };
}

/** The thread a result posted at the destination's top level started (Slack), if its channel has threads. */
function threadOf(ended: EndedRun, adapters: ReadonlyMap<string, ChannelAdapter>): string | undefined {
  const { session, result } = ended;
  const messageId = result?.sentParts[0];
  if (!session || !result || messageId === undefined || result.conversationKey !== session.conversationKey) {
    return undefined;
  }
  return adapters.get(session.channel)?.threadKey?.(session.conversationKey, messageId);
}
