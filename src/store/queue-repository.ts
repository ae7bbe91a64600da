import type {
  AcceptOutcome,
  ClaimedTurn,
  InboundCompletion,
  InboundRow,
  NewInbound,
  NewOutbox,
  NewSession,
  Session,
  WorkScope,
} from "./types.js";

/** Where a new message could go, read inside the accept transaction. */
export interface RoutingFacts {
  /** The session that sent the message this one replies to, when it replies to one of the bot's messages. */
  repliedTo: Session | undefined;
  /** The conversation's current session, whatever its state. */
  current: Session | undefined;
}

/**
 * Where the gateway sends a message: into a session it creates (which becomes the conversation's
 * current one), or into an existing one, reopened first as its conversation's current session
 * when `reopen` is set (the previous current session becomes inactive).
 */
export type Route = { create: NewSession } | { sessionId: string; reopen: boolean };

/** The routed session's queue, read in the same transaction. */
export interface QueueFacts {
  /** Messages waiting in it. */
  queued: number;
  /** Whether one of its turns runs (in any process). */
  running: boolean;
  /** Whether its newest message was dropped (over the cap). */
  lastDropped: boolean;
}

/** What the gateway decided for a message in its session; the store writes it as decided. */
export interface Admission {
  /** Over the cap: stored as dropped, never answered. */
  dropped: boolean;
  /** It waits behind other messages or a running turn. */
  queued: boolean;
  /** A reply to store with the message, telling the sender that it waits or was not taken. */
  notice: { reason: "queued" | "overflow"; reply: NewOutbox } | null;
  /** A new title for the session (an untitled session is named after its first message). */
  title?: string;
  /** A new Expert for the session (a leading `+name`). */
  expert?: string;
}

/**
 * The decisions an accept needs, made by the gateway from facts the store reads in the accept's
 * transaction. Both are pure and synchronous, so a backend may call them between its reads and
 * its writes without holding anything across an await of the caller.
 */
export interface AcceptPolicy {
  route(facts: RoutingFacts): Route;
  /** Decides for the message in `session` (already created or reopened as routed). */
  admit(session: Session, facts: QueueFacts): Admission;
}

/** Whether to tell a refused sender how to get admitted, given when they were last told (epoch ms). */
export type RefusalNotice = (facts: { lastNotifiedAt: number | undefined; now: number }) => NewOutbox | null;

/**
 * The durable turn queue: accepted messages wait here as inbound rows, and turns are claimed
 * from them with a process id and a lease. Delivery keys are unique: a key seen before makes a
 * message a duplicate, and nothing of it is written.
 */
export interface QueueRepository {
  /**
   * Commits an inbound message, and the session it is routed to, in one transaction with its
   * delivery keys, as `policy` decides. A delivery key seen before makes it a duplicate.
   */
  accept(message: NewInbound, policy: AcceptPolicy): Promise<AcceptOutcome>;
  /** Sessions of the scope with queued messages and no running turn, oldest waiting message first. */
  ready(scope: WorkScope, limit: number): Promise<string[]>;
  /**
   * Opens a turn for a session that has queued messages and no running turn: takes all of them
   * (`all`) or the oldest (`one`), copies them into the transcript and leases the turn to
   * `owner`. Undefined if there is nothing to take or another process got there first.
   */
  claim(
    sessionId: string,
    options: { owner: string; leaseMs: number; take: "all" | "one"; expert: string; model: string },
  ): Promise<ClaimedTurn | undefined>;
  /**
   * Stores what the channel fetched for a message it deferred (files, the sender's name): the
   * inbound row and, once copied, its transcript message get the completed text, name and
   * attachments, and the row is no longer deferred. One transaction.
   */
  complete(inboundId: number, completion: InboundCompletion): Promise<void>;
  /** Messages queued while a running turn runs join it (steer mode); empty when none wait or it has ended. */
  joinTurn(sessionId: string, turnId: number, expert: string): Promise<InboundRow[]>;
  /** Asks whichever process runs the session's turn to stop or interrupt it; a stop stays a stop. */
  requestCancel(sessionId: string, kind: "stop" | "interrupt"): Promise<number | undefined>;
  /** This process's running turns that someone asked to cancel. */
  cancelRequests(owner: string): Promise<{ turnId: number; kind: "stop" | "interrupt" }[]>;
  /** The conversations a person (`channel:id`) has written in: what makes them a known member there. */
  conversationsOf(principal: string): Promise<string[]>;
  /** Whether a turn of the session is running (in any process). */
  isRunning(sessionId: string): Promise<boolean>;
  /** Messages waiting in a session, oldest first. */
  queued(sessionId: string): Promise<InboundRow[]>;
  /** Messages waiting in any session, oldest first (the console's live queue). */
  waiting(limit: number): Promise<InboundRow[]>;
  /** Removes a waiting message before it runs; false if it already ran or is gone. */
  drop(sessionId: string, inboundId: number): Promise<boolean>;
  /**
   * Records the delivery keys of a message that is not queued (a command) so that a redelivery is
   * recognised, with an optional reply; false (and nothing written) if a key was seen before.
   */
  recordDelivery(keys: readonly string[], notice?: NewOutbox): Promise<boolean>;
  /**
   * A message from someone not admitted: its keys are recorded and, when `notice` returns a reply,
   * the reply is stored and the time noted for the principal.
   */
  refuse(
    keys: readonly string[],
    principal: string,
    notice: RefusalNotice,
  ): Promise<"duplicate" | "notified" | "quiet">;
  /** Queue depth (waiting and running messages) and the time the oldest of them arrived, for /healthz. */
  stats(): Promise<{ depth: number; oldestReceivedAt: number | null }>;
  /** Every inbound row of a session, oldest first. */
  inboundOfSession(sessionId: string): Promise<InboundRow[]>;
  /** Forgets delivery keys older than `maxAgeMs` (at least 7 days are kept); returns how many. */
  pruneDeliveryKeys(maxAgeMs: number): Promise<number>;
}
