import pg from "pg";
import { StoreError } from "../../errors.js";

/** What the PostgreSQL backend tunes; the URL says where (and, optionally, who and with which password). */
export interface PgSettings {
  /** `postgres://user[:password]@host[:port]/database`; without a password, PGPASSWORD is used. */
  url: string;
  /** Used when the URL has no password (PGPASSWORD read from `.env` as well as the environment). */
  password?: string;
  /** Connections at most (a bounded pool): more callers wait for one, up to `connectTimeoutMs`. */
  poolMax?: number;
  /** The server cancels a statement that runs longer. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (new or from the pool) before failing. */
  connectTimeoutMs?: number;
}

/** One statement's runner: the pool (each statement its own transaction) or a transaction's client. */
export interface Sql {
  rows<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  one<R>(text: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Runs a statement and returns how many rows it changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
}

const parseTimestamp = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);

/**
 * Values as the port wants them: bigint ids and counts as numbers (they stay far below 2^53),
 * timestamptz as epoch milliseconds, `json` as its text, untouched (attachments and payloads are
 * handed on byte for byte); jsonb is parsed.
 */
function typeParser(oid: number, format?: string): (value: string) => unknown {
  switch (oid) {
    case pg.types.builtins.INT8:
    case pg.types.builtins.NUMERIC:
      return Number;
    case pg.types.builtins.TIMESTAMPTZ:
      return (value) => (parseTimestamp(value) as Date).getTime();
    case pg.types.builtins.JSON:
      return (value) => value;
    default:
      return pg.types.getTypeParser(oid, format as "text");
  }
}

/** Beyond what JavaScript dates reach; searches "until forever" are clamped to it. */
const maxDateMs = 8.64e15;

/** An epoch-ms time as a parameter for a timestamptz column. */
export function at(ms: number): Date {
  return new Date(Math.max(-maxDateMs, Math.min(maxDateMs, ms)));
}

/** SQLSTATEs worth running a whole transaction again for: a deadlock or a serialization conflict. */
const retryable = new Set(["40P01", "40001"]);

/**
 * A bounded pool of connections to one PostgreSQL database. Every port method is one
 * transaction: one statement on the pool, or {@link transaction} on one checked-out client.
 */
export class PgDatabase {
  readonly pool: pg.Pool;
  readonly settings: Required<Omit<PgSettings, "url" | "password">>;
  readonly #direct: Sql;

  constructor(settings: PgSettings) {
    this.settings = {
      poolMax: settings.poolMax ?? 10,
      statementTimeoutMs: settings.statementTimeoutMs ?? 30_000,
      connectTimeoutMs: settings.connectTimeoutMs ?? 10_000,
    };
    this.pool = new pg.Pool({
      connectionString: settings.url,
      // A password in the URL wins over this one (node-postgres lets the connection string override).
      ...(settings.password !== undefined ? { password: settings.password } : {}),
      max: this.settings.poolMax,
      statement_timeout: this.settings.statementTimeoutMs,
      idle_in_transaction_session_timeout: this.settings.statementTimeoutMs * 2,
      connectionTimeoutMillis: this.settings.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: "chat-gateway",
      types: { getTypeParser: typeParser } as pg.CustomTypesConfig,
    });
    // A connection that breaks while idle in the pool (the server restarted) is dropped by the
    // pool, which also emits it here; unhandled, that event would end the process.
    this.pool.on("error", () => undefined);
    this.#direct = runner(this.pool);
  }

  rows<R>(text: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#direct.rows<R>(text, params);
  }

  one<R>(text: string, params?: readonly unknown[]): Promise<R | undefined> {
    return this.#direct.one<R>(text, params);
  }

  run(text: string, params?: readonly unknown[]): Promise<number> {
    return this.#direct.run(text, params);
  }

  /**
   * Runs `work` in one transaction (READ COMMITTED; the work takes the row and advisory locks it
   * needs). A deadlock or serialization failure runs it again from the start: the work reads
   * everything it decides on inside the transaction, and its policy callbacks are pure.
   */
  async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no listener of the pool's: a connection that breaks between two
      // statements (the server restarting) would emit an unhandled 'error' and end the process.
      // Kept here instead, the next statement fails (a refused write) and the client is discarded.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const result = await work(runner(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        if (attempt < 5 && retryable.has(sqlState(error) ?? "")) continue;
        throw error;
      } finally {
        client.removeListener("error", onError);
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

function runner(target: pg.Pool | pg.PoolClient): Sql {
  const query = (text: string, params?: readonly unknown[]) =>
    target.query(text, params as unknown[] | undefined) as Promise<pg.QueryResult>;
  return {
    rows: async <R>(text: string, params?: readonly unknown[]) => (await query(text, params)).rows as R[],
    one: async <R>(text: string, params?: readonly unknown[]) => (await query(text, params)).rows[0] as R | undefined,
    run: async (text: string, params?: readonly unknown[]) => (await query(text, params)).rowCount ?? 0,
  };
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Unique violation: a delivery key, id or name that exists already. */
export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === "23505";

/**
 * True when PostgreSQL refuses writes or cannot be reached, not for a fault of the work:
 * no connection (08…, refused, reset, timed out), insufficient resources such as a full disk (53…),
 * the server shutting down or starting (57P…), a read-only transaction or a revoked privilege,
 * a cancelled statement (the statement timeout), deadlocks that survived the retries, and a
 * database that does not accept connections for now.
 */
export function isWriteRefused(error: unknown): boolean {
  const code = sqlState(error);
  if (code !== undefined) {
    if (/^(08|53|57P)/.test(code)) return true;
    if (["25006", "42501", "57014", "40P01", "40001"].includes(code)) return true;
    if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"].includes(code)) return true;
  }
  const message = error instanceof Error ? error.message : "";
  return /is not currently accepting connections|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/.test(
    message,
  );
}

/** The URL with its password replaced by `***`, for anything printed or logged. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/** Wraps an error for a message that names the database without its password. */
export function connectError(location: string, error: unknown): StoreError {
  return new StoreError("STORE_OPEN", `cannot open database ${location}: ${(error as Error).message}`, {
    cause: error,
  });
}

/**
 * One connection of its own, outside the pool, for what lives as long as a connection does:
 * `LISTEN` and session-level advisory locks (see pg-coordination.ts).
 */
export interface PgSession {
  rows<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** A notification on a channel this session listens on, with the server process that sent it. */
  onNotification(listener: (channel: string, payload: string | undefined, senderProcessId: number) => void): void;
  /** The connection ended or broke (once). */
  onEnd(listener: () => void): void;
  /** The server process of this connection (a notification it sent comes back from it). */
  readonly processId: number | undefined;
  end(): Promise<void>;
}

/** Opens a {@link PgSession}; throws when the server cannot be reached. */
export async function openSession(settings: PgSettings, applicationName: string): Promise<PgSession> {
  const client = new pg.Client({
    connectionString: settings.url,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 10_000,
    statement_timeout: settings.statementTimeoutMs ?? 30_000,
    application_name: applicationName,
    // So that a server or network gone silent ends the connection (and what it holds) in seconds.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  const ended = new Set<() => void>();
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    for (const listener of ended) listener();
  };
  client.on("error", end);
  client.on("end", end);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    rows: async <R>(text: string, params?: readonly unknown[]) =>
      (await client.query(text, params as unknown[] | undefined)).rows as R[],
    onNotification: (listener) =>
      client.on("notification", (message) => listener(message.channel, message.payload, message.processId)),
    onEnd: (listener) => ended.add(listener),
    // pg's client knows its server process once connected; its typings do not say so.
    processId: (client as pg.Client & { processID?: number }).processID,
    end: () => client.end().catch(() => undefined),
  };
}
