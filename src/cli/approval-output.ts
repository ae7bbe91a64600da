import type { ToolApproval } from "../store/approval-repository.js";
import { shortDate } from "./output.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A tool approval request as `--json` prints it. */
export function approvalJson(approval: ToolApproval) {
  return {
    id: approval.id,
    turn_id: approval.turnId,
    tool_call_id: approval.toolCallId,
    tool: approval.toolName,
    arguments: approval.summary,
    state: approval.state,
    always: approval.always,
    decider: approval.decider,
    decided_by: approval.decidedBy,
    reason: approval.reason,
    requested_at: iso(approval.createdAt),
    decided_at: iso(approval.decidedAt),
    ran_at: iso(approval.ranAt),
  };
}

/** One line for people: `approval 3 of files.write_file, asked 12:03: denied by slack:U1 at 12:04`. */
export function approvalLine(approval: ToolApproval): string {
  const decision =
    approval.state === "pending"
      ? `waiting for ${approval.decider ?? "a decision"} until ${shortDate(approval.expiresAt)}`
      : `${approval.always ? "always allowed" : approval.state} by ${approval.decidedBy ?? "nobody"}${approval.reason ? ` (${approval.reason})` : ""} at ${shortDate(approval.decidedAt ?? approval.createdAt)}`;
  return `approval ${approval.id} of ${approval.toolName}, asked ${shortDate(approval.createdAt)}: ${decision}`;
}
