import type { Clock } from "../../ids.js";
import type { ApprovalDecision, ApprovalRepository, NewApproval, ToolApproval } from "../approval-repository.js";
import { type ApprovalRow, toApproval } from "../approval-row.js";
import type { NewOutbox } from "../types.js";
import { type Db, statementCache } from "./database.js";
import type { SqliteOutboxStore } from "./outbox-store.js";

/** Approval requests of tool calls, in SQLite. */
export class SqliteApprovalStore implements ApprovalRepository {
  readonly #db: Db;
  readonly #now: Clock;
  readonly #outbox: SqliteOutboxStore;
  readonly #sql: ReturnType<typeof statementCache>;

  constructor(db: Db, now: Clock, outbox: SqliteOutboxStore) {
    this.#db = db;
    this.#now = now;
    this.#outbox = outbox;
    this.#sql = statementCache(db);
  }

  async request(
    input: NewApproval,
    message: (approvalId: number) => NewOutbox | null,
  ): Promise<{ approval: ToolApproval; created: boolean }> {
    return this.#db
      .transaction(() => {
        const known = this.#forCall(input.turnId, input.toolCallId);
        if (known) return { approval: known, created: false };
        const row = this.#sql<unknown[], ApprovalRow>(
          `INSERT INTO tool_approvals (session_id, turn_id, tool_call_id, tool_name, summary, decider, created_at,
             expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        ).get(
          input.sessionId,
          input.turnId,
          input.toolCallId,
          input.toolName,
          input.summary,
          input.decider,
          this.#now(),
          input.expiresAt,
        ) as ApprovalRow;
        const shown = message(row.id);
        if (!shown) return { approval: toApproval(row), created: true };
        const outboxId = this.#outbox.insertSync(shown);
        const updated = this.#sql<[number, number], ApprovalRow>(
          "UPDATE tool_approvals SET outbox_id = ? WHERE id = ? RETURNING *",
        ).get(outboxId, row.id) as ApprovalRow;
        return { approval: toApproval(updated), created: true };
      })
      .immediate();
  }

  async get(id: number): Promise<ToolApproval | undefined> {
    const row = this.#sql<[number], ApprovalRow>("SELECT * FROM tool_approvals WHERE id = ?").get(id);
    return row ? toApproval(row) : undefined;
  }

  async forCall(turnId: number, toolCallId: string): Promise<ToolApproval | undefined> {
    return this.#forCall(turnId, toolCallId);
  }

  async decide(id: number, decision: ApprovalDecision): Promise<ToolApproval | undefined> {
    const row = this.#sql<unknown[], ApprovalRow>(
      `UPDATE tool_approvals SET state = ?, decided_by = ?, reason = ?, always = ?, decided_at = ?
         WHERE id = ? AND state = 'pending' RETURNING *`,
    ).get(decision.state, decision.by, decision.reason ?? null, decision.always ? 1 : 0, this.#now(), id);
    return row ? toApproval(row) : undefined;
  }

  async markRan(id: number): Promise<boolean> {
    const changed = this.#sql(
      "UPDATE tool_approvals SET ran_at = ? WHERE id = ? AND state = 'approved' AND ran_at IS NULL",
    ).run(this.#now(), id);
    return changed.changes > 0;
  }

  async alwaysAllowed(sessionId: string, toolName: string): Promise<boolean> {
    const row = this.#sql<[string, string], { found: number }>(
      `SELECT EXISTS (SELECT 1 FROM tool_approvals WHERE session_id = ? AND tool_name = ? AND state = 'approved'
         AND always = 1) AS found`,
    ).get(sessionId, toolName);
    return row?.found === 1;
  }

  async listOfSession(sessionId: string, options: { pending?: boolean } = {}): Promise<ToolApproval[]> {
    const rows = this.#sql<[string], ApprovalRow>(
      `SELECT * FROM tool_approvals WHERE session_id = ?${options.pending ? " AND state = 'pending'" : ""} ORDER BY id`,
    ).all(sessionId);
    return rows.map(toApproval);
  }

  #forCall(turnId: number, toolCallId: string): ToolApproval | undefined {
    const row = this.#sql<[number, string], ApprovalRow>(
      "SELECT * FROM tool_approvals WHERE turn_id = ? AND tool_call_id = ?",
    ).get(turnId, toolCallId);
    return row ? toApproval(row) : undefined;
  }
}
