import type { AuditEntry, ConsoleSession } from "./console-repository.js";

/*
 * The console's rows as both backends return them (times in epoch ms; PostgreSQL's identity
 * columns may come back as strings), and their domain values.
 */

export interface ConsoleSessionDbRow {
  token_hash: string;
  operator: string;
  csrf: string;
  created_at: number;
  expires_at: number;
}

export function toConsoleSession(row: ConsoleSessionDbRow): ConsoleSession {
  return {
    tokenHash: row.token_hash,
    operator: row.operator,
    csrf: row.csrf,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export interface AuditDbRow {
  id: number | string;
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
  at: number;
}

export function toAuditEntry(row: AuditDbRow): AuditEntry {
  return {
    id: Number(row.id),
    actor: row.actor,
    action: row.action,
    target: row.target,
    detail: row.detail,
    at: row.at,
  };
}
