/** A signed-in operator's cookie session, as the store keeps it (the cookie itself only as a hash). */
export interface ConsoleSession {
  tokenHash: string;
  operator: string;
  /** The token every form of this session carries back (CSRF). */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/** One change made by an operator on the console or by an admin in chat. */
export interface AuditEntry {
  id: number;
  /** Who: `console:<operator>` or a chat principal (`telegram:42`). */
  actor: string;
  /** What, e.g. `session.archive`, `outbox.retry`, `chat.share`. */
  action: string;
  /** What it was done to (a session id, an outbox row), if anything. */
  target: string | null;
  detail: string | null;
  at: number;
}

export type NewAuditEntry = Omit<AuditEntry, "id" | "at">;

/**
 * What the operator console keeps: cookie sessions, sign-in attempts (so the rate limit holds
 * across instances) and the audit log. Expiry and limits are decided by the console, not here.
 */
export interface ConsoleRepository {
  /** Stores a new cookie session. */
  openSession(session: ConsoleSession): Promise<void>;
  /** The session of this cookie hash while it has not expired at `now`. */
  findSession(tokenHash: string, now: number): Promise<ConsoleSession | undefined>;
  /** Ends a session (sign-out); false when there was none. */
  closeSession(tokenHash: string): Promise<boolean>;
  /** Forgets sessions expired before `now` and sign-in attempts before `attemptsBefore`; returns how many rows went. */
  prune(now: number, attemptsBefore: number): Promise<number>;
  /** Records one sign-in attempt of a client (its address), failed or not. */
  recordSignIn(client: string, ok: boolean): Promise<void>;
  /** How many sign-ins of this client failed since `since` (epoch ms). */
  failedSignIns(client: string, since: number): Promise<number>;
  /** Appends to the audit log; returns the stored entry. */
  audit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** The audit log, newest first, before the entry `beforeId` when given. */
  auditLog(options: { limit: number; beforeId?: number }): Promise<AuditEntry[]>;
}
