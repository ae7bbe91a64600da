import type { Clock } from "../../ids.js";
import type { ApprovalDecision, ApprovalRepository, NewApproval, ToolApproval } from "../approval-repository.js";
import { type ApprovalRow, toApproval } from "../approval-row.js";
import type { NewOutbox } from "../types.js";
import { insertOutbox } from "./outbox-store.js";
import { at, type PgDatabase } from "./pg-database.js";

const columns = `id, session_id, turn_id, tool_call_id, tool_name, summary, decider, state, always, decided_by, reason,
  outbox_id, created_at, expires_at, decided_at, ran_at`;

/** Approval requests of tool calls, in PostgreSQL. */
export class PgApprovalStore implements ApprovalRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  request(
    input: NewApproval,
    message: (approvalId: number) => NewOutbox | null,
  ): Promise<{ approval: ToolApproval; created: boolean }> {
    return this.#db.transaction(async (sql) => {
      const now = this.#now();
      const row = await sql.one<ApprovalRow>(
        `INSERT INTO tool_approvals (session_id, turn_id, tool_call_id, tool_name, summary, decider, created_at,
           expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (turn_id, tool_call_id) DO NOTHING RETURNING ${columns}`,
        [
          input.sessionId,
          input.turnId,
          input.toolCallId,
          input.toolName,
          input.summary,
          input.decider,
          at(now),
          at(input.expiresAt),
        ],
      );
      if (!row) {
        const known = await sql.one<ApprovalRow>(
          `SELECT ${columns} FROM tool_approvals WHERE turn_id = $1 AND tool_call_id = $2`,
          [input.turnId, input.toolCallId],
        );
        if (!known) throw new Error("the approval request vanished while it was stored");
        return { approval: toApproval(known), created: false };
      }
      const shown = message(Number(row.id));
      if (!shown) return { approval: toApproval(row), created: true };
      const outboxId = await insertOutbox(sql, now, shown);
      const updated = await sql.one<ApprovalRow>(
        `UPDATE tool_approvals SET outbox_id = $1 WHERE id = $2 RETURNING ${columns}`,
        [outboxId, row.id],
      );
      return { approval: toApproval(updated ?? row), created: true };
    });
  }

  async get(id: number): Promise<ToolApproval | undefined> {
    const row = await this.#db.one<ApprovalRow>(`SELECT ${columns} FROM tool_approvals WHERE id = $1`, [id]);
    return row ? toApproval(row) : undefined;
  }

  async forCall(turnId: number, toolCallId: string): Promise<ToolApproval | undefined> {
    const row = await this.#db.one<ApprovalRow>(
      `SELECT ${columns} FROM tool_approvals WHERE turn_id = $1 AND tool_call_id = $2`,
      [turnId, toolCallId],
    );
    return row ? toApproval(row) : undefined;
  }

  async decide(id: number, decision: ApprovalDecision): Promise<ToolApproval | undefined> {
    const row = await this.#db.one<ApprovalRow>(
      `UPDATE tool_approvals SET state = $1, decided_by = $2, reason = $3, always = $4, decided_at = $5
         WHERE id = $6 AND state = 'pending' RETURNING ${columns}`,
      [decision.state, decision.by, decision.reason ?? null, decision.always === true, at(this.#now()), id],
    );
    return row ? toApproval(row) : undefined;
  }

  async markRan(id: number): Promise<boolean> {
    const changed = await this.#db.run(
      "UPDATE tool_approvals SET ran_at = $1 WHERE id = $2 AND state = 'approved' AND ran_at IS NULL",
      [at(this.#now()), id],
    );
    return changed > 0;
  }

  async alwaysAllowed(sessionId: string, toolName: string): Promise<boolean> {
    const row = await this.#db.one<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM tool_approvals WHERE session_id = $1 AND tool_name = $2 AND state = 'approved'
         AND always) AS found`,
      [sessionId, toolName],
    );
    return row?.found === true;
  }

  async listOfSession(sessionId: string, options: { pending?: boolean } = {}): Promise<ToolApproval[]> {
    const rows = await this.#db.rows<ApprovalRow>(
      `SELECT ${columns} FROM tool_approvals WHERE session_id = $1${options.pending ? " AND state = 'pending'" : ""}
         ORDER BY id`,
      [sessionId],
    );
    return rows.map(toApproval);
  }
}
