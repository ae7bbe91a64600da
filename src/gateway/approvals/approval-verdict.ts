import type { GatedCall, GateVerdict } from "../../agent/tool-gate.js";
import type { NewApproval, ToolApproval } from "../../store/approval-repository.js";
import type { Store } from "../../store/store.js";
import { denialResult, summarizeArguments } from "./approval-text.js";

/** The turn a gate decides for. */
export interface GateTurn {
  sessionId: string;
  turnId: number;
}

/** The request row of a call, as every gate stores it. */
export function newApproval(turn: GateTurn, call: GatedCall, decider: string | null, expiresAt: number): NewApproval {
  return {
    sessionId: turn.sessionId,
    turnId: turn.turnId,
    toolCallId: call.toolCallId,
    toolName: call.tool.name,
    summary: summarizeArguments(call.args),
    decider,
    expiresAt,
  };
}

/** What a decided request means for its call: run it once, or tell the model it was denied. */
export function verdictOf(store: Store, approval: ToolApproval): GateVerdict {
  if (approval.state === "approved") return { run: true, start: () => store.approvals.markRan(approval.id) };
  return { run: false, result: { ok: false, error: denialResult(approval) } };
}
