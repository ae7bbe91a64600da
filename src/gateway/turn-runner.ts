import { runTurn, type TurnEvent, toolMessageContent } from "../agent/agent-loop.js";
import type { RetryPolicy } from "../agent/backoff.js";
import { toChatMessages } from "../agent/history.js";
import type { ChatMessage, ModelClient } from "../agent/messages.js";
import type { Tool } from "../agent/tools.js";
import type { Expert } from "../experts/expert-registry.js";
import type { Clock } from "../ids.js";
import type { Store } from "../store/store.js";
import type { NewTranscriptEntry, Session } from "../store/types.js";

export interface TurnRunnerDeps {
  store: Store;
  model: ModelClient;
  tools: ReadonlyMap<string, Tool>;
  idleTimeoutMs: number;
  clock: Clock;
  retry?: RetryPolicy;
}

export interface SessionTurnInput {
  session: Session;
  expert: Expert;
  /** The user messages this turn answers; stored with the turn when it opens. */
  entries: NewTranscriptEntry[];
  signal?: AbortSignal;
  userId?: string | null;
  triggerName?: string | null;
  takeSteering?: () => Promise<ChatMessage[]>;
}

/** A turn event, plus the id of the stored turn once it exists. */
export type SessionTurnEvent = TurnEvent | { type: "turn"; turnId: number };

/**
 * Runs one persisted turn of a session: opens the turn with its user messages,
 * stores each completed step and tool result as it happens (so a crash loses
 * at most the step in flight), then closes the turn with its usage.
 */
export async function* runSessionTurn(deps: TurnRunnerDeps, input: SessionTurnInput): AsyncGenerator<SessionTurnEvent> {
  const { store } = deps;
  const { session, expert } = input;
  const turn = await store.turns.start({
    sessionId: session.id,
    expert: expert.name,
    model: expert.model,
    entries: input.entries.map((entry) => ({ ...entry, expert: expert.name })),
  });
  yield { type: "turn", turnId: turn.id };
  const history = toChatMessages(await store.transcript.list(session.id));
  let usage = { promptTokens: 0, completionTokens: 0, estimated: false };
  let finished = false;
  try {
    for await (const event of runTurn(deps.model, {
      model: expert.model,
      instructions: expert.instructions,
      history,
      tools: expert.tools.flatMap((name) => deps.tools.get(name) ?? []),
      maxSteps: expert.maxSteps,
      ...(expert.temperature !== undefined ? { temperature: expert.temperature } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
      idleTimeoutMs: deps.idleTimeoutMs,
      ...(deps.retry ? { retry: deps.retry } : {}),
      toolContext: { sessionId: session.id, expert: expert.name, now: deps.clock },
      ...(input.takeSteering ? { takeSteering: input.takeSteering } : {}),
    })) {
      if (event.type === "step") {
        await store.transcript.append(session.id, stepEntries(turn.id, expert.name, event));
      } else if (event.type === "tool_result") {
        await store.transcript.append(session.id, [
          {
            kind: "tool_result",
            turnId: turn.id,
            step: event.step,
            toolCallId: event.call.id,
            toolName: event.call.name,
            toolOk: event.result.ok,
            content: toolMessageContent(event.result),
          },
        ]);
      } else if (event.type === "usage") {
        usage = event;
      } else if (event.type === "done" || event.type === "error") {
        const ledger = {
          sessionId: session.id,
          turnId: turn.id,
          expert: expert.name,
          model: expert.model,
          userId: input.userId ?? null,
          triggerName: input.triggerName ?? null,
          ...usage,
        };
        const hasUsage = usage.promptTokens + usage.completionTokens > 0;
        if (event.type === "done") {
          await store.turns.finish(turn.id, "completed", { usage: ledger });
        } else {
          const state = event.error.code === "MODEL_ABORTED" ? "cancelled" : "failed";
          await store.turns.finish(turn.id, state, {
            error: event.error.message,
            ...(hasUsage ? { usage: ledger } : {}),
          });
        }
        finished = true;
      }
      yield event;
    }
  } finally {
    if (!finished) await store.turns.finish(turn.id, "interrupted", { error: "the turn was abandoned" });
  }
}

function stepEntries(
  turnId: number,
  expert: string,
  event: Extract<TurnEvent, { type: "step" }>,
): NewTranscriptEntry[] {
  const entries: NewTranscriptEntry[] = [];
  if (event.text || event.toolCalls.length === 0) {
    entries.push({ kind: "assistant", turnId, step: event.step, content: event.text, expert });
  }
  for (const call of event.toolCalls) {
    entries.push({
      kind: "tool_call",
      turnId,
      step: event.step,
      toolCallId: call.id,
      toolName: call.name,
      content: call.arguments,
      expert,
    });
  }
  return entries;
}
