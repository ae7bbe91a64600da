import type { TriggerSettings } from "../config/file-schema.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";
import type { Store } from "../store/store.js";
import type { FireGuard, FireOutcome, RunSource } from "../store/trigger-repository.js";
import { destinationOf } from "./destination.js";
import { renderPrompt } from "./payload.js";

export interface Firing {
  source: RunSource;
  /** The JSON body (webhook) or `--payload`; placeholders read from it. */
  payload?: unknown;
  idempotencyKey?: string;
}

/** What may turn a firing into a recorded skip: a schedule respects all, a webhook only a pause, a manual run none. */
const guards: Record<RunSource, FireGuard[]> = {
  schedule: ["paused", "running", "backoff"],
  webhook: ["paused"],
  manual: [],
};

/**
 * Records one firing of a trigger: a fresh session (origin `trigger`, owned by
 * the trigger) at its destination with the rendered prompt queued, or a
 * recorded skip. The gateway's turn queue takes it from there.
 */
export function fireTrigger(
  deps: { store: Store; experts: ExpertRegistry },
  trigger: TriggerSettings,
  firing: Firing,
): Promise<FireOutcome> {
  const payload = firing.payload ?? {};
  const text = renderPrompt(trigger.prompt, payload);
  const destination = destinationOf(trigger.name, trigger.destination);
  return deps.store.triggers.fire({
    trigger: trigger.name,
    source: firing.source,
    payload: firing.payload === undefined ? null : JSON.stringify(firing.payload),
    ...(firing.idempotencyKey !== undefined ? { idempotencyKey: firing.idempotencyKey } : {}),
    guards: guards[firing.source],
    session: {
      ...destination,
      expert: deps.experts.forSession(trigger.expert ?? "default").name,
      origin: "trigger",
      owner: `trigger:${trigger.name}`,
      title: `${trigger.name}: ${text.replace(/\s+/g, " ").trim()}`.slice(0, 60),
    },
    prompt: { senderId: `trigger:${trigger.name}`, senderName: `trigger ${trigger.name}`, text },
  });
}
