import type { Coordination, WorkKind } from "../coordination.js";
import { openSession, type PgSession, type PgSettings } from "./pg-database.js";

/** Advisory lock namespaces (the first key of the two-key form): a gateway's presence, and roles. */
const PRESENCE = 0x63670021;
const ROLES = 0x63670022;
/** The channel wake-ups are announced on (one per database: NOTIFY is scoped to it). */
const WORK_CHANNEL = "chat_gateway_work";
const RECONNECT_MS = 1000;

/**
 * Coordination over one dedicated connection per gateway: it LISTENs for wake-ups and holds the
 * session-level advisory locks of the gateway's presence and of the roles it leads. When the
 * process dies its connection ends and the server drops those locks at once, which is how the
 * others learn it is gone (within their next check, seconds) and take its roles over.
 *
 * Wake-ups are NOTIFYs sent on this connection, outside the store's write transactions: a
 * transaction that notifies holds a cluster-wide lock through its commit, which would serialise
 * every accept of every gateway behind one another's disk flush.
 */
export class PgCoordination implements Coordination {
  readonly #settings: PgSettings;
  readonly #work = new Set<(kind: WorkKind) => void>();
  readonly #lost = new Set<() => void>();
  readonly #roles = new Set<string>();
  #client: PgSession | undefined;
  #connecting: Promise<PgSession> | undefined;
  #owner: string | undefined;
  #problem: string | undefined = "not connected yet";
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  /** Announcements waiting for the next turn of the event loop, folded by kind. */
  readonly #announced = new Set<WorkKind>();
  #flushing: Promise<void> | undefined;

  constructor(settings: PgSettings) {
    this.#settings = settings;
  }

  get problem(): string | undefined {
    return this.#problem;
  }

  async join(owner: string): Promise<void> {
    this.#owner = owner;
    await this.#presence(await this.#connected());
  }

  async gone(owners: readonly string[]): Promise<string[]> {
    if (owners.length === 0) return [];
    const client = await this.#connected();
    const rows = await client.rows<{ owner: string }>(
      `DELETE FROM gateway_instances i WHERE i.owner = ANY($1::text[]) AND NOT EXISTS (
         SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $2::oid
           AND l.objid = i.id::oid AND l.objsubid = 2
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
       RETURNING i.owner`,
      [[...owners], PRESENCE],
    );
    return rows.map((row) => row.owner);
  }

  async tryLead(role: string): Promise<boolean> {
    if (this.#roles.has(role)) return true;
    const client = await this.#connected();
    const rows = await client.rows<{ held: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS held", [
      ROLES,
      role,
    ]);
    const held = rows[0]?.held === true;
    if (held && this.#client === client) this.#roles.add(role);
    return held && this.#client === client;
  }

  async resign(role: string): Promise<void> {
    if (!this.#roles.delete(role)) return;
    await this.#client?.rows("SELECT pg_advisory_unlock($1, hashtext($2))", [ROLES, role]).catch(() => undefined);
  }

  async members(): Promise<number> {
    const client = await this.#connected();
    const rows = await client.rows<{ members: string }>(
      `SELECT COUNT(*) AS members FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid
         AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [PRESENCE],
    );
    return Number(rows[0]?.members ?? 0);
  }

  announce(kind: WorkKind): void {
    if (this.#announced.has(kind)) return;
    this.#announced.add(kind);
    if (this.#announced.size === 1) setImmediate(() => void this.#flush());
  }

  onWork(listener: (kind: WorkKind) => void): void {
    this.#work.add(listener);
  }

  onLost(listener: () => void): void {
    this.#lost.add(listener);
  }

  async leave(): Promise<void> {
    await this.#flush();
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    this.#roles.clear();
    if (!client) return;
    if (this.#owner !== undefined) {
      await client.rows("DELETE FROM gateway_instances WHERE owner = $1", [this.#owner]).catch(() => undefined);
    }
    await client.end();
  }

  /** Sends what was announced; a lost announcement only costs the others their next poll. */
  async #flush(): Promise<void> {
    await this.#flushing;
    const kinds = [...this.#announced];
    this.#announced.clear();
    const client = this.#client;
    if (kinds.length === 0 || !client) return;
    this.#flushing = Promise.all(
      kinds.map((kind) => client.rows("SELECT pg_notify($1, $2)", [WORK_CHANNEL, kind]).catch(() => undefined)),
    ).then(() => undefined);
    await this.#flushing;
  }

  /** The connection, opened (again) when there is none. */
  #connected(): Promise<PgSession> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<PgSession> {
    let opened: PgSession | undefined;
    try {
      opened = await openSession(this.#settings, "chat-gateway coordination");
      const session = opened;
      session.onEnd(() => this.#broken(session));
      session.onNotification((channel, payload, sender) => {
        // Its own announcements come back to the connection that sent them.
        if (channel !== WORK_CHANNEL || sender === session.processId) return;
        const kind = payload === "outbox" ? "outbox" : "turns";
        for (const listener of this.#work) listener(kind);
      });
      await session.rows(`LISTEN ${WORK_CHANNEL}`);
      if (this.#owner !== undefined) await this.#presence(session);
    } catch (error) {
      await opened?.end();
      this.#problem = `coordination: ${(error as Error).message}`;
      throw error;
    }
    const session = opened;
    if (this.#closed) {
      await session.end();
      throw new Error("coordination closed");
    }
    this.#client = session;
    this.#problem = undefined;
    return session;
  }

  /** Registers this gateway (once) and holds its presence lock on `client`. */
  async #presence(client: PgSession): Promise<void> {
    const rows = await client.rows<{ id: number }>(
      `INSERT INTO gateway_instances (owner, joined_at) VALUES ($1, now())
       ON CONFLICT (owner) DO UPDATE SET joined_at = gateway_instances.joined_at RETURNING id`,
      [this.#owner],
    );
    await client.rows("SELECT pg_try_advisory_lock($1, $2)", [PRESENCE, rows[0]?.id]);
  }

  /** The connection ended: roles and presence went with it; tell the listeners and reconnect. */
  #broken(client: PgSession): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#roles.clear();
    this.#problem = "coordination: the connection to PostgreSQL was lost; reconnecting";
    for (const listener of this.#lost) listener();
    const again = () => {
      if (this.#closed) return;
      this.#connected().catch(() => {
        this.#retry = setTimeout(again, RECONNECT_MS);
        this.#retry.unref();
      });
    };
    again();
  }
}
