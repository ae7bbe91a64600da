import type { Clock } from "../../ids.js";
import type { AuditEntry, ConsoleRepository, ConsoleSession, NewAuditEntry } from "../console-repository.js";
import { type AuditDbRow, type ConsoleSessionDbRow, toAuditEntry, toConsoleSession } from "../console-rows.js";
import { type Db, statementCache } from "./database.js";

export class SqliteConsoleStore implements ConsoleRepository {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;

  constructor(db: Db, now: Clock) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
  }

  async openSession(session: ConsoleSession): Promise<void> {
    this.#sql(
      `INSERT INTO console_sessions (token_hash, operator, csrf, created_at, expires_at)
       VALUES (@tokenHash, @operator, @csrf, @createdAt, @expiresAt)`,
    ).run(session);
  }

  async findSession(tokenHash: string, now: number): Promise<ConsoleSession | undefined> {
    const row = this.#sql<[string, number], ConsoleSessionDbRow>(
      "SELECT * FROM console_sessions WHERE token_hash = ? AND expires_at > ?",
    ).get(tokenHash, now);
    return row ? toConsoleSession(row) : undefined;
  }

  async closeSession(tokenHash: string): Promise<boolean> {
    return this.#sql("DELETE FROM console_sessions WHERE token_hash = ?").run(tokenHash).changes > 0;
  }

  async prune(now: number, attemptsBefore: number): Promise<number> {
    return this.#db.transaction(
      () =>
        this.#sql("DELETE FROM console_sessions WHERE expires_at <= ?").run(now).changes +
        this.#sql("DELETE FROM console_sign_ins WHERE at < ?").run(attemptsBefore).changes,
    )();
  }

  async recordSignIn(client: string, ok: boolean): Promise<void> {
    this.#sql("INSERT INTO console_sign_ins (client, ok, at) VALUES (?, ?, ?)").run(client, ok ? 1 : 0, this.#now());
  }

  async failedSignIns(client: string, since: number): Promise<number> {
    const row = this.#sql<[string, number], { failed: number }>(
      "SELECT COUNT(*) AS failed FROM console_sign_ins WHERE client = ? AND ok = 0 AND at >= ?",
    ).get(client, since);
    return row?.failed ?? 0;
  }

  async audit(entry: NewAuditEntry): Promise<AuditEntry> {
    const row = this.#sql<[string, string, string | null, string | null, number], AuditDbRow>(
      "INSERT INTO audit_log (actor, action, target, detail, at) VALUES (?, ?, ?, ?, ?) RETURNING *",
    ).get(entry.actor, entry.action, entry.target, entry.detail, this.#now()) as AuditDbRow;
    return toAuditEntry(row);
  }

  async auditLog(options: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
    return this.#sql<[number, number], AuditDbRow>("SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?")
      .all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit)
      .map(toAuditEntry);
  }
}
