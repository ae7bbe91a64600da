import type { ApprovalState, ToolApproval } from "./approval-repository.js";

/** A `tool_approvals` row as either backend returns it (SQLite: 0/1 for booleans; times as epoch ms). */
export interface ApprovalRow {
  id: number;
  session_id: string;
  turn_id: number;
  tool_call_id: string;
  tool_name: string;
  summary: string;
  decider: string | null;
  state: string;
  always: number | boolean;
  decided_by: string | null;
  reason: string | null;
  outbox_id: number | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  ran_at: number | null;
}

export function toApproval(row: ApprovalRow): ToolApproval {
  return {
    id: Number(row.id),
    sessionId: row.session_id,
    turnId: Number(row.turn_id),
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    summary: row.summary,
    decider: row.decider,
    state: row.state as ApprovalState,
    always: row.always === true || row.always === 1,
    decidedBy: row.decided_by,
    reason: row.reason,
    outboxId: row.outbox_id === null ? null : Number(row.outbox_id),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    ranAt: row.ran_at === null ? null : Number(row.ran_at),
  };
}
