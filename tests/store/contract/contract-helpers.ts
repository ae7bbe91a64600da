import type { AcceptPolicy, Admission, QueueFacts, Route, RoutingFacts } from "../../../src/store/queue-repository.js";
import type { Store } from "../../../src/store/store.js";
import type { AcceptOutcome, NewInbound, NewSession, Session } from "../../../src/store/types.js";

export const chatSession = { channel: "telegram", expert: "default", origin: "chat" } as const;

export function createChat(store: Store, key: string, extra: Partial<NewSession> = {}): Promise<Session> {
  return store.sessions.create({ ...chatSession, conversationKey: key, ...extra });
}

/** A message from Ann in `key`, with one delivery key named after its text unless given. */
export function inbound(key: string, text: string, extra: Partial<NewInbound> = {}): NewInbound {
  return {
    channel: "telegram",
    conversationKey: key,
    senderId: "ann",
    senderName: "Ann",
    text,
    attachments: null,
    platformMessageId: null,
    replyToMessageId: null,
    addressed: true,
    deliveryKeys: [`telegram:${key}:${text}`],
    ...extra,
  };
}

/** The plain policy: reply target, else current (reopened when it is not active and current), else a new session; never a cap. */
export function plainPolicy(
  overrides: {
    route?: (facts: RoutingFacts) => Route;
    admit?: (session: Session, facts: QueueFacts) => Admission;
    seen?: { routing?: RoutingFacts[]; queue?: QueueFacts[] };
  } = {},
): AcceptPolicy {
  return {
    route: (facts) => {
      overrides.seen?.routing?.push(facts);
      if (overrides.route) return overrides.route(facts);
      const session = facts.repliedTo ?? facts.current;
      if (!session) return { create: { ...chatSession, conversationKey: "unused" } };
      return { sessionId: session.id, reopen: session.state !== "active" || facts.current?.id !== session.id };
    },
    admit: (session, facts) => {
      overrides.seen?.queue?.push(facts);
      if (overrides.admit) return overrides.admit(session, facts);
      return { dropped: false, queued: facts.running || facts.queued > 0, notice: null };
    },
  };
}

/** Accepts a message into `key`, creating the session there on first contact. */
export async function accept(store: Store, key: string, text: string, extra: Partial<NewInbound> = {}) {
  const message = inbound(key, text, extra);
  return store.queue.accept(
    message,
    plainPolicy({
      route: (facts) => {
        const session = facts.repliedTo ?? facts.current;
        if (!session) return { create: { ...chatSession, conversationKey: key } };
        return { sessionId: session.id, reopen: session.state !== "active" || facts.current?.id !== session.id };
      },
    }),
  );
}

export function accepted(outcome: AcceptOutcome): Extract<AcceptOutcome, { status: "accepted" }> {
  if (outcome.status !== "accepted") throw new Error(`expected an accepted message, got ${outcome.status}`);
  return outcome;
}

export const scope = { channels: ["telegram"] } as const;

export function claimOptions(owner = "proc-a", leaseMs = 60_000, take: "all" | "one" = "all") {
  return { owner, leaseMs, take, expert: "default", model: "m" };
}
