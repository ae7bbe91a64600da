import type { ToolCall } from "../agent/messages.js";
import type { Store } from "../store/store.js";

/** A tool call of a turn's last step, with the step it belongs to. */
export interface HeldCall {
  call: ToolCall;
  step: number;
}

/**
 * The calls a stopped process left waiting for a decision: those of the turn's last step still
 * without a result, from the first that has an approval request on (the loop runs a step's calls in
 * order, so the later ones never started). A resumed turn decides and runs these instead of asking
 * the model again, so the request already posted still decides them. Empty when the first call
 * without a result had no request: it was running when the process died, and the history says so.
 */
export async function heldCalls(store: Store, sessionId: string, turnId: number): Promise<HeldCall[]> {
  const entries = (await store.transcript.list(sessionId)).filter((entry) => entry.turnId === turnId);
  let end = entries.length - 1;
  while (end >= 0 && entries[end]?.kind !== "tool_call") end--;
  const last = entries[end];
  if (!last) return [];
  // A step's calls are stored together, before any of their results.
  let start = end;
  while (start > 0 && entries[start - 1]?.kind === "tool_call" && entries[start - 1]?.step === last.step) start--;
  const answered = new Set(entries.filter((entry) => entry.kind === "tool_result").map((entry) => entry.toolCallId));
  const open = entries
    .slice(start, end + 1)
    .filter((entry) => !answered.has(entry.toolCallId))
    .map((entry) => ({
      call: { id: entry.toolCallId ?? `call_${entry.id}`, name: entry.toolName ?? "", arguments: entry.content },
      step: entry.step ?? 1,
    }));
  const first = open[0];
  if (!first || !(await store.approvals.forCall(turnId, first.call.id))) return [];
  return open;
}
