import { StoreError } from "../../errors.js";
import type { Clock } from "../../ids.js";
import type { AuditEntry, ConsoleRepository, ConsoleSession, NewAuditEntry } from "../console-repository.js";
import { type AuditDbRow, type ConsoleSessionDbRow, toAuditEntry, toConsoleSession } from "../console-rows.js";
import { at, type PgDatabase } from "./pg-database.js";

export class PgConsoleStore implements ConsoleRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  async openSession(session: ConsoleSession): Promise<void> {
    await this.#db.run(
      "INSERT INTO console_sessions (token_hash, operator, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
      [session.tokenHash, session.operator, session.csrf, at(session.createdAt), at(session.expiresAt)],
    );
  }

  async findSession(tokenHash: string, now: number): Promise<ConsoleSession | undefined> {
    const row = await this.#db.one<ConsoleSessionDbRow>(
      "SELECT * FROM console_sessions WHERE token_hash = $1 AND expires_at > $2",
      [tokenHash, at(now)],
    );
    return row ? toConsoleSession(row) : undefined;
  }

  async closeSession(tokenHash: string): Promise<boolean> {
    return (await this.#db.run("DELETE FROM console_sessions WHERE token_hash = $1", [tokenHash])) > 0;
  }

  prune(now: number, attemptsBefore: number): Promise<number> {
    return this.#db.transaction(
      async (sql) =>
        (await sql.run("DELETE FROM console_sessions WHERE expires_at <= $1", [at(now)])) +
        (await sql.run("DELETE FROM console_sign_ins WHERE at < $1", [at(attemptsBefore)])),
    );
  }

  async recordSignIn(client: string, ok: boolean): Promise<void> {
    await this.#db.run("INSERT INTO console_sign_ins (client, ok, at) VALUES ($1, $2, $3)", [
      client,
      ok,
      at(this.#now()),
    ]);
  }

  async failedSignIns(client: string, since: number): Promise<number> {
    const row = await this.#db.one<{ failed: number | string }>(
      "SELECT COUNT(*) AS failed FROM console_sign_ins WHERE client = $1 AND NOT ok AND at >= $2",
      [client, at(since)],
    );
    return Number(row?.failed ?? 0);
  }

  async audit(entry: NewAuditEntry): Promise<AuditEntry> {
    const row = await this.#db.one<AuditDbRow>(
      "INSERT INTO audit_log (actor, action, target, detail, at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
      [entry.actor, entry.action, entry.target, entry.detail, at(this.#now())],
    );
    if (!row) throw new StoreError("STORE_INCONSISTENT", "the audit entry was not stored");
    return toAuditEntry(row);
  }

  async auditLog(options: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
    const rows = await this.#db.rows<AuditDbRow>("SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2", [
      options.beforeId ?? Number.MAX_SAFE_INTEGER,
      options.limit,
    ]);
    return rows.map(toAuditEntry);
  }
}
