/** Which loop a wake-up is for: the turn queue or the outbox. */
export type WorkKind = "turns" | "outbox";

/**
 * What gateways sharing one database coordinate beyond claiming rows: who is alive, who holds a
 * role only one may hold (the Telegram long poll), and wake-ups when one of them writes work
 * another may take. A backend that serves one process at a time has none (SQLite); the gateway
 * then runs every role itself and finds work by polling.
 */
export interface Coordination {
  /** Announces this process (its lease owner id) as alive until {@link leave} or its end. */
  join(owner: string): Promise<void>;
  /**
   * Of these lease owners, those certainly gone: gateways that joined and whose presence ended with
   * their process (or its connection). Owners that never joined (a CLI run) are never named.
   */
  gone(owners: readonly string[]): Promise<string[]>;
  /** Takes `role` unless another live process holds it; true when this process holds it now. */
  tryLead(role: string): Promise<boolean>;
  /** Gives `role` up, so another process takes it at once. */
  resign(role: string): Promise<void>;
  /** Gateways joined and alive now. */
  members(): Promise<number>;
  /**
   * Tells the other gateways that there is work they may take (a message this one cannot start
   * now, a cancel for a turn another runs, work handed over on shutdown). Announcements of one
   * moment are folded into one; this gateway does not hear its own.
   */
  announce(kind: WorkKind): void;
  /** `listener` hears the other gateways' announcements. */
  onWork(listener: (kind: WorkKind) => void): void;
  /** `listener` hears that presence and every role were lost (the connection broke); they are retaken by calling again. */
  onLost(listener: () => void): void;
  /** What is wrong with the coordination connection, while something is (for /healthz). */
  readonly problem: string | undefined;
  /** Leaves: announcements still pending sent, roles given up, presence ended, the connection closed. */
  leave(): Promise<void>;
}
