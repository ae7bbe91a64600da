import { GatewayError } from "../errors.js";
import type { Store } from "../store/store.js";
import type { NewTranscriptEntry, RunningTurn, Turn } from "../store/types.js";
import { ownerIsGone } from "./process-owner.js";

/** Another turn runs in the session and the caller chose not to wait (`--no-wait`), or waited too long. */
export class SessionBusyError extends GatewayError {
  constructor(message: string) {
    super("SESSION_BUSY", message);
  }
}

/** How a turn opened outside the queue (the CLI) takes a session's per-session lease. */
export interface TurnLease {
  /** This process's lease owner id (see `newOwnerId`). */
  owner: string;
  leaseMs: number;
  /** Wait for a running turn to end (true), or fail at once with {@link SessionBusyError}. */
  wait: boolean;
  /** Told once, when the session is busy and the caller waits. */
  onWait?: (busy: RunningTurn) => void;
  /** How often to look again while waiting. */
  pollMs?: number;
  /** The longest wait before giving up with {@link SessionBusyError}. */
  maxWaitMs?: number;
  signal?: AbortSignal;
}

const POLL_MS = 200;
const MAX_WAIT_MS = 15 * 60_000;

/**
 * Opens a turn in a session once no other turn runs there, whoever started
 * that one (a channel's queue, a trigger, another CLI run, another instance):
 * the same "one turn per session" rule the gateway's queue keeps, through the
 * same running-turn row and lease.
 */
export async function openLeasedTurn(
  store: Store,
  input: { sessionId: string; expert: string; model: string; entries: NewTranscriptEntry[] },
  lease: TurnLease,
): Promise<Turn> {
  const deadline = Date.now() + (lease.maxWaitMs ?? MAX_WAIT_MS);
  let told = false;
  const expired = new Set<string>();
  for (;;) {
    lease.signal?.throwIfAborted();
    const result = await store.turns.startLeased({ ...input, owner: lease.owner, leaseMs: lease.leaseMs });
    if ("turn" in result) return result.turn;
    const { busy } = result;
    // A holder that is certainly gone (a killed process on this host) gives its lease up at once.
    if (busy.owner && !expired.has(busy.owner) && ownerIsGone(busy.owner, lease.owner)) {
      expired.add(busy.owner);
      await store.leases.expireLeases([busy.owner]);
      continue;
    }
    if (!lease.wait) {
      throw new SessionBusyError(
        `session ${input.sessionId} is answering another turn (turn ${busy.turnId}); try again when it is done, or leave out --no-wait to wait for it`,
      );
    }
    if (Date.now() > deadline) {
      throw new SessionBusyError(
        `session ${input.sessionId} was still answering turn ${busy.turnId} after ${Math.round((lease.maxWaitMs ?? MAX_WAIT_MS) / 60_000)} minutes; try again later`,
      );
    }
    if (!told) {
      told = true;
      lease.onWait?.(busy);
    }
    await pause(lease.pollMs ?? POLL_MS, lease.signal);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
