import type { QueueMode } from "../config/file-schema.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";
import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { ClaimedTurn, NewOutbox, UsageEntry } from "../store/types.js";
import { denyPending } from "./approvals/approval-settle.js";
import { type TurnApprovals, turnGate } from "./approvals/turn-gate.js";
import type { ChannelAdapter, ChannelStream, StreamHooks } from "./channel.js";
import type { ChatPacer } from "./chat-pacer.js";
import { completeDeferred } from "./deferred-inbound.js";
import { faultPoint } from "./fault-points.js";
import { graphemePrefix } from "./graphemes.js";
import { outboxFileSink } from "./outbox-file-sink.js";
import { PreviewStreamer } from "./preview-streamer.js";
import { retryNotice } from "./retry-notice.js";
import { runStoredTurn, type TurnRunnerDeps } from "./turn-runner.js";

/** Why a running turn was cancelled: the `stop` command, a new message in interrupt mode, or shutdown. */
export class CancelRequest extends Error {
  constructor(readonly kind: "stop" | "interrupt" | "shutdown") {
    super(`turn cancelled (${kind})`);
  }
}

/** A turn cancelled by shutdown: it stays running in the database for the next process. */
export class TurnLeftRunning extends Error {}

export interface ExecutionContext {
  runner: TurnRunnerDeps;
  experts: ExpertRegistry;
  adapter: ChannelAdapter;
  clock: Clock;
  logger: Logger;
  mode: QueueMode;
  maxAttempts: number;
  /** The outbox should look for work now (a file was queued mid-turn). */
  wakeOutbox?: () => void;
  /** The conversations' pace, shared with the outbox, so a 429 seen by a preview holds answers too. */
  pacer?: ChatPacer;
  /** How tool calls under `ask` are decided; without it they are denied. */
  approvals?: TurnApprovals;
  /** The turn starts or stops waiting for an approval (it then takes no turn slot). */
  onWaiting?: (waiting: boolean) => void;
}

const TYPING_EVERY_MS = 4000;

/**
 * Runs one claimed turn on its channel: the preview while it streams, steer
 * messages joining between steps, and the ending a stop or interrupt asks for.
 */
export async function executeTurn(context: ExecutionContext, claimed: ClaimedTurn, signal: AbortSignal): Promise<void> {
  const { runner, adapter, logger, clock } = context;
  const store = runner.store;
  const { turn, session, inbound } = claimed;
  const expert = context.experts.forSession(turn.expert);
  const lastInbound = inbound.at(-1);
  const route = {
    sessionId: session.id,
    channel: session.channel,
    conversationKey: session.conversationKey,
    replyToMessageId: lastInbound?.platformMessageId ?? null,
  };
  if (claimed.resumed && !(await resume(context, claimed, route))) return;
  // A trigger's session is owned by `trigger:NAME`: its usage and budget count against that trigger.
  const triggerName = session.origin === "trigger" ? (session.owner?.replace(/^trigger:/, "") ?? null) : null;
  let streamed: string | undefined;
  const stream = openStream(adapter, session.conversationKey, logger, lastInbound?.senderId, {
    opened: async (messageId) => {
      streamed = messageId;
      await store.leases.setStream(turn.id, messageId);
    },
  });
  let streamOpen = stream !== undefined;
  const endStream = async (outcome: "completed" | "cancelled" | "failed" | "interrupted") => {
    if (!stream || !streamOpen) return undefined;
    streamOpen = false;
    const finished = await stream.finish(outcome);
    // A stream left open holding the answer stays recorded until the answer is: a crash before then
    // has the next process mark it interrupted.
    if (streamed !== undefined && finished === undefined) await store.leases.setStream(turn.id, null);
    return finished;
  };
  const preview =
    !stream && adapter.limits.previews
      ? new PreviewStreamer({
          adapter,
          conversationKey: session.conversationKey,
          clock,
          logger,
          replyToMessageId: route.replyToMessageId ?? undefined,
          ...(context.pacer ? { pacer: context.pacer } : {}),
          onPreview: async (messageId, text) => {
            await store.leases.setPreview(turn.id, messageId, text);
            faultPoint("mid-stream");
          },
        })
      : undefined;
  let typing = keepTyping(adapter, session.conversationKey, expert.name);
  // While a request waits for a person the bot is not working: no "typing…" for minutes.
  const onWaiting = (waiting: boolean) => {
    clearInterval(typing);
    typing = undefined;
    if (waiting) adapter.idle?.(session.conversationKey).catch(() => undefined);
    else typing = keepTyping(adapter, session.conversationKey, expert.name);
    context.onWaiting?.(waiting);
  };
  if (session.title) {
    adapter.showTitle?.(session.conversationKey, session.title).catch((error: unknown) => {
      logger.debug({ err: error }, "the conversation's title was not shown");
    });
  }
  let partial = "";
  let usage: UsageEntry | undefined;
  const userId = lastInbound ? `${session.channel}:${lastInbound.senderId}` : null;
  const gate = context.approvals
    ? turnGate(context.approvals, {
        store,
        clock,
        turn: { sessionId: session.id, turnId: turn.id },
        triggerName,
        decider: userId,
        route,
        onOutbox: () => context.wakeOutbox?.(),
        onWaiting,
      })
    : undefined;
  try {
    // Downloads and look-ups the channel left for after its acknowledgement, while the status shows.
    await completeDeferred(adapter, store, inbound, signal, logger);
    for await (const event of runStoredTurn(runner, {
      session,
      expert,
      turnId: turn.id,
      signal,
      userId,
      triggerName,
      resumed: claimed.resumed,
      ...(gate ? { gate } : {}),
      ...(runner.files
        ? {
            sendFile: outboxFileSink(runner.files, store, { ...route, turnId: turn.id }, () => context.wakeOutbox?.()),
          }
        : {}),
      ...(context.mode === "steer"
        ? {
            takeSteering: async () =>
              (
                await completeDeferred(
                  adapter,
                  store,
                  await store.queue.joinTurn(session.id, turn.id, expert.name),
                  signal,
                  logger,
                )
              ).map((row) => ({
                role: "user" as const,
                content: row.text,
              })),
          }
        : {}),
      answer: async (outcome) => {
        await preview?.close();
        const streamedAs = await endStream(outcome);
        if (streamedAs) faultPoint("after-stream-before-record");
        return {
          ...route,
          ...(preview?.messageId ? { editMessageId: preview.messageId } : {}),
          ...(streamedAs ? { streamedAs } : {}),
        };
      },
    })) {
      if (event.type === "text") {
        partial += event.delta;
        preview?.push(event.delta);
        stream?.append(event.delta);
        if (!preview) faultPoint("mid-stream");
      } else if (event.type === "step") {
        partial = "";
      } else if (event.type === "waiting") {
        logger.warn({ turn: turn.id, retryAt: event.retryAt, error: event.reason }, "model asked for a long wait");
        await store.outbox.enqueue({ ...route, kind: "notice", text: retryNotice(event.retryAt, event.delayMs) });
      } else if (event.type === "usage") {
        usage = {
          sessionId: session.id,
          turnId: turn.id,
          expert: expert.name,
          model: expert.model,
          userId,
          triggerName,
          promptTokens: event.promptTokens,
          completionTokens: event.completionTokens,
          estimated: event.estimated,
        };
      } else if (event.type === "error" && event.error.code === "MODEL_ABORTED") {
        await preview?.close();
        const shutdown = !(signal.reason instanceof CancelRequest) || signal.reason.kind === "shutdown";
        await endStream(shutdown ? "interrupted" : "cancelled");
        await endCancelled(store, claimed, route, signal.reason, {
          partial: partial.trim(),
          previewId: preview?.messageId,
          streamed: stream !== undefined && !stream.ephemeral,
          maxLength: adapter.limits.maxMessageLength,
          usage,
        });
      } else if (event.type === "error") {
        logger.warn({ turn: turn.id, code: event.error.code, error: event.error.message }, "turn failed");
      }
    }
  } finally {
    clearInterval(typing);
    adapter.idle?.(session.conversationKey).catch(() => undefined);
    await preview?.close();
    await endStream("cancelled");
  }
}

/** A turn taken over from a stopped process: mark its old preview, give up after too many attempts. */
async function resume(
  context: ExecutionContext,
  claimed: ClaimedTurn,
  route: Omit<NewOutbox, "kind" | "text">,
): Promise<boolean> {
  const store = context.runner.store;
  const { turn } = claimed;
  if (claimed.streamMessageId) {
    // The stream the dead process left open is stopped and marked before the answer comes again.
    await context.adapter
      .endStream?.(route.conversationKey, claimed.streamMessageId, "interrupted")
      .catch((error: unknown) =>
        context.logger.warn({ err: error, turn: turn.id }, "could not stop a stream left open"),
      );
    await store.leases.setStream(turn.id, null);
  }
  if (claimed.previewMessageId) {
    await store.outbox.enqueue({
      ...route,
      kind: "edit",
      text: marked(
        (claimed.previewText ?? "").replace(/ …$/, ""),
        "interrupted",
        context.adapter.limits.maxMessageLength,
      ),
      editMessageId: claimed.previewMessageId,
    });
    await store.leases.setPreview(turn.id, null, null);
  }
  if (turn.attempts > context.maxAttempts) {
    context.logger.error(
      { turn: turn.id, attempts: turn.attempts },
      "turn abandoned too often; answering with an error",
    );
    await store.turns.finish(turn.id, "failed", {
      error: `abandoned ${turn.attempts - 1} times`,
      answer: {
        ...route,
        kind: "error",
        text: "Sorry, I could not answer this message: the gateway stopped while working on it several times.",
      },
    });
    return false;
  }
  context.logger.info({ turn: turn.id, attempt: turn.attempts }, "resuming a turn left by a stopped process");
  return true;
}

/**
 * Ends a cancelled turn. `stop`: its messages count as answered, the partial
 * output stays (marked) and the preview says so. `interrupt`: the same, but its
 * messages wait again so the next turn answers everything. Shutdown: nothing
 * is written; the next process resumes the turn.
 */
async function endCancelled(
  store: Store,
  claimed: ClaimedTurn,
  route: Omit<NewOutbox, "kind" | "text">,
  reason: unknown,
  shown: {
    partial: string;
    previewId: string | undefined;
    streamed: boolean;
    maxLength: number;
    usage: UsageEntry | undefined;
  },
): Promise<void> {
  const kind = reason instanceof CancelRequest ? reason.kind : "shutdown";
  if (kind === "shutdown") throw new TurnLeftRunning("left for the next start");
  const label = kind === "stop" ? "stopped" : "interrupted";
  // A request still waiting is denied with the turn (the `stop` command denied it already, naming who).
  await denyPending(store, claimed.session.id, kind, label);
  const { partial, previewId, streamed, maxLength, usage } = shown;
  const edit = previewId ? { editMessageId: previewId } : {};
  // What people saw stays, marked: an edited preview, or a line after a natively streamed answer.
  let answer: NewOutbox | undefined;
  if (streamed) answer = { ...route, kind: "notice", text: `(${label})` };
  else if (kind === "stop") {
    answer = { ...route, ...edit, kind: "notice", text: partial ? marked(partial, label, maxLength) : "Stopped." };
  } else if (previewId) answer = { ...route, ...edit, kind: "edit", text: marked(partial, label, maxLength) };
  await store.turns.finish(claimed.turn.id, kind === "stop" ? "cancelled" : "interrupted", {
    error: label,
    entries: partial ? [{ kind: "assistant", content: `${partial}\n\n[${label} by the user]` }] : [],
    inbound: kind === "stop" ? "answered" : "queued",
    ...(answer ? { answer } : {}),
    ...(usage ? { usage } : {}),
  });
}

/**
 * The channel's native stream, if it has one here. A failure to open it (a conversation the platform
 * can never reach) is the outbox's to record: the turn still runs and its answer fails there once.
 */
function openStream(
  adapter: ChannelAdapter,
  conversationKey: string,
  logger: Logger,
  recipient: string | undefined,
  hooks: StreamHooks,
): ChannelStream | undefined {
  try {
    return adapter.openStream?.(conversationKey, hooks, recipient);
  } catch (error) {
    logger.warn({ err: error, conversation: conversationKey }, "could not open a stream; answering without one");
    return undefined;
  }
}

function keepTyping(adapter: ChannelAdapter, conversationKey: string, expert: string): NodeJS.Timeout | undefined {
  if (!adapter.typing) return undefined;
  const show = () => {
    adapter.typing?.(conversationKey, expert).catch(() => undefined);
  };
  show();
  return setInterval(show, TYPING_EVERY_MS);
}

/** Partial output ending in "(label)", cut so that it still fits in one message (an edit is never split). */
function marked(partial: string, label: string, maxLength: number): string {
  const suffix = `\n\n(${label})`;
  const room = maxLength - suffix.length;
  return `${partial.length > room ? `${graphemePrefix(partial, room - 1)}…` : partial}${suffix}`;
}
