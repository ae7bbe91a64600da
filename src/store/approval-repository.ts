import type { NewOutbox } from "./types.js";

export type ApprovalState = "pending" | "approved" | "denied";

/** A tool call under an `ask` policy, waiting for (or given) a decision. */
export interface ToolApproval {
  id: number;
  sessionId: string;
  turnId: number;
  toolCallId: string;
  /** As the YAML names it: `files.write_file`. */
  toolName: string;
  /** The arguments, shortened and with secrets removed, as the request shows them. */
  summary: string;
  /** Who may decide besides admins (the author of the message the turn answers); null: nobody in chat. */
  decider: string | null;
  state: ApprovalState;
  /** Approved for the rest of the session ("Always allow in this session"). */
  always: boolean;
  /** Who decided: a principal (`telegram:42`), `timeout`, `trigger:NAME`, `cli`. */
  decidedBy: string | null;
  /** Why, where it is not a plain press: `timed out`, `stopped`, `approvals: deny`. */
  reason: string | null;
  /** The outbox row of the request message (its buttons), edited to show the outcome. */
  outboxId: number | null;
  createdAt: number;
  /** When a pending request counts as denied. */
  expiresAt: number;
  decidedAt: number | null;
  /** When the approved call started: it never starts twice, whatever restarts. */
  ranAt: number | null;
}

export interface NewApproval {
  sessionId: string;
  turnId: number;
  toolCallId: string;
  toolName: string;
  summary: string;
  decider: string | null;
  expiresAt: number;
}

/** A decision: approve (optionally for the rest of the session) or deny, by whom and why. */
export interface ApprovalDecision {
  state: "approved" | "denied";
  by: string;
  reason?: string | null;
  always?: boolean;
}

/**
 * Approval requests of tool calls. The gateway decides who may decide and what to show; the store
 * keeps the rows and makes each decision once (the first of two racing presses wins).
 */
export interface ApprovalRepository {
  /**
   * Stores the request of a tool call with the message that shows it (`message` gets the new id, for
   * its buttons), in one transaction. A call asked about before (a resumed turn) keeps its row:
   * returned with `created` false and no new message.
   */
  request(
    input: NewApproval,
    message: (approvalId: number) => NewOutbox | null,
  ): Promise<{ approval: ToolApproval; created: boolean }>;
  get(id: number): Promise<ToolApproval | undefined>;
  /** The request of one tool call of a turn, if it was made. */
  forCall(turnId: number, toolCallId: string): Promise<ToolApproval | undefined>;
  /** Decides a pending request; undefined when it was already decided (nothing changes then). */
  decide(id: number, decision: ApprovalDecision): Promise<ToolApproval | undefined>;
  /** Marks an approved call as started; false when it had started before (it must not run again). */
  markRan(id: number): Promise<boolean>;
  /** Whether someone chose "Always allow in this session" for this tool in this session. */
  alwaysAllowed(sessionId: string, toolName: string): Promise<boolean>;
  /** A session's requests, oldest first (`sessions show`); `pending` only those still waiting. */
  listOfSession(sessionId: string, options?: { pending?: boolean }): Promise<ToolApproval[]>;
}
