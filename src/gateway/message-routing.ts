import type { AcceptPolicy, Admission, QueueFacts, Route, RoutingFacts } from "../store/queue-repository.js";
import type { NewSession, Session } from "../store/types.js";

/** What routing and admitting one message needs to know besides the stored facts. */
export interface AcceptInput {
  channel: string;
  conversationKey: string;
  /** The message's text as queued (without a `+expert` prefix). */
  text: string;
  /** The platform's id of the message, replied to by a notice. */
  platformMessageId: string | null;
  /** Switches the session's Expert (a leading `+name`). */
  expert?: string;
  /** The session a first message creates. */
  session: Omit<NewSession, "conversationKey" | "channel">;
  /** Most messages that may wait in one session. */
  cap: number;
  /** What the sender is told when their message waits, or is over the cap (by the session's mode). */
  notices: (session: Session) => { queued: string; overflow: string };
}

/**
 * Where a message goes: a reply to one of the bot's messages to the session that sent it, else
 * the conversation's current session, else a new one. A message to an archived or older session
 * reopens it as the conversation's current one.
 */
export function routeMessage(facts: RoutingFacts, input: AcceptInput): Route {
  const session = facts.repliedTo ?? facts.current;
  if (!session) return { create: { ...input.session, channel: input.channel, conversationKey: input.conversationKey } };
  return { sessionId: session.id, reopen: session.state !== "active" || facts.current?.id !== session.id };
}

/**
 * Whether a message waits, and what its sender is told. Over the cap it is dropped. One notice
 * per burst: the first message that waits behind a running turn, and the first over the cap.
 */
export function admitMessage(session: Session, facts: QueueFacts, input: AcceptInput): Admission {
  // A session made before its first message (a terminal chat, `new`) is named after that message.
  const title = session.title === null && input.text.trim() !== "" ? titleOf(input.text) : undefined;
  const expert = input.expert !== undefined && input.expert !== session.expert ? input.expert : undefined;
  const updated: Session = { ...session, ...(title !== undefined ? { title } : {}), ...(expert ? { expert } : {}) };
  const dropped = facts.queued >= input.cap;
  let reason: "queued" | "overflow" | null = null;
  if (dropped && !facts.lastDropped) reason = "overflow";
  else if (!dropped && facts.running && facts.queued === 0) reason = "queued";
  const notice =
    reason === null
      ? null
      : {
          reason,
          reply: {
            sessionId: session.id,
            channel: input.channel,
            conversationKey: session.conversationKey,
            kind: "notice" as const,
            text: input.notices(updated)[reason],
            replyToMessageId: input.platformMessageId,
          },
        };
  return {
    dropped,
    queued: facts.running || facts.queued > 0,
    notice,
    ...(title !== undefined ? { title } : {}),
    ...(expert !== undefined ? { expert } : {}),
  };
}

/** The routing and admission decisions of one message, for the store to apply in its transaction. */
export function acceptPolicy(input: AcceptInput): AcceptPolicy {
  return {
    route: (facts) => routeMessage(facts, input),
    admit: (session, facts) => admitMessage(session, facts, input),
  };
}

/** A session's title from its first message: one line, at most 60 characters. */
export function titleOf(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 60);
}
