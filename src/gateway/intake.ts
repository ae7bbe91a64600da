import type { Config } from "../config/config.js";
import type { QueueMode } from "../config/file-schema.js";
import { describeError } from "../errors.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";
import type { Logger } from "../logger.js";
import type { TurnContext } from "../memory/turn-context.js";
import type { Store } from "../store/store.js";
import type { Session } from "../store/types.js";
import { type AccessControl, admissionNotice, principalOf } from "./access-control.js";
import { decideByCommand } from "./approvals/approval-command.js";
import { denyPending } from "./approvals/approval-settle.js";
import type { ApprovalWaiter } from "./approvals/approval-waiter.js";
import { bindingFor, type ChannelSections } from "./bindings.js";
import type { AcceptResult, ChannelAdapter, InboundMessage, ParsedCommand } from "./channel.js";
import { changesState, mayChange, runChatCommand } from "./commands/chat-commands.js";
import type { CommandReply } from "./commands/command-context.js";
import { parseCommand, parseExpertPrefix } from "./commands/command-parser.js";
import { faultPoint } from "./fault-points.js";
import { acceptPolicy, titleOf } from "./message-routing.js";
import type { Visibility } from "./visibility.js";

export interface IntakeOptions {
  store: Store;
  experts: ExpertRegistry;
  access: AccessControl;
  config: Pick<Config, "queue"> & ChannelSections;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  logger: Logger;
  /** A message waits for a turn. */
  onQueued: () => void;
  /** An outbox row was written. */
  onOutbox: () => void;
  /** A running turn was asked to stop or make way. */
  onCancel: () => void;
  /** For the `compact` command. */
  turnContext?: TurnContext | undefined;
  /** What `sessions` and `resume` may show and take. */
  visibility: Visibility;
  /** Where turns wait for approvals: woken when a command decides one. */
  approvals: ApprovalWaiter;
}

const NOTICE_EVERY_MS = 24 * 3600 * 1000;

export const queuedNotices: Record<QueueMode, string> = {
  collect: "Got it. I'm still answering; I'll answer this together with anything else you send, right after.",
  followup: "Got it. I'm still answering; this one is next in line.",
  steer: "Got it. I'll take this into account in the answer I'm working on.",
  interrupt: "Got it. Stopping my current answer to take this in.",
};
export const overflowNotice =
  "Too many messages are waiting in this conversation. I did not take this one, nor will I take more until I catch up; please send it again after my answer.";

/**
 * What happens to a message before it is queued: access control, chat
 * commands (handled at once, never behind a turn), the `+expert` prefix,
 * bindings, and the interrupt mode's cancel.
 */
export class Intake {
  readonly #options: IntakeOptions;

  constructor(options: IntakeOptions) {
    this.#options = options;
  }

  /** The queue mode a session runs in: its own, else its Expert's, else the YAML's. */
  modeOf(session: Session): QueueMode {
    return session.mode ?? this.#options.experts.forSession(session.expert).mode ?? this.#options.config.queue.mode;
  }

  async accept(message: InboundMessage): Promise<AcceptResult> {
    const { store, experts, access } = this.#options;
    if (!message.addressed) return { status: "ignored", reason: "not addressed to the bot" };
    const adapter = this.#options.adapters.get(message.channel);
    const principal = principalOf(message);
    if (adapter?.limits.access !== "open" && !(await access.admits(message))) return this.#refuse(message, principal);
    const owner = message.pressed?.for;
    if (owner !== undefined && owner !== principal && !access.isAdmin(principal)) {
      this.#options.logger.info({ principal, owner }, "a button pressed by someone it was not made for");
      return { status: "forbidden", reply: "Only the person who asked for these buttons (or an admin) can use them." };
    }
    const prefix = adapter?.limits.commandPrefix ?? "/";
    const plus = parseExpertPrefix(message.text);
    const plusKnown = plus && experts.get(plus.expert) ? plus.expert : undefined;
    const command =
      message.command ??
      parseCommand(message.text, prefix) ??
      (plusKnown && plus?.rest === "" ? { name: "expert", args: plusKnown } : undefined);
    if (command) return this.#command(message, principal, prefix, command);
    let plusExpert = plusKnown;
    if (plusExpert && message.chat?.group) {
      const session = await store.sessions.current(message.conversationKey);
      const viewer = { principal, conversationKey: message.conversationKey, admin: access.isAdmin(principal) };
      // Switching a group session's Expert is guarded like `expert NAME`; the text then goes as written.
      if (!mayChange({ message, session, viewer })) plusExpert = undefined;
    }
    const binding = bindingFor(this.#options.config, message.channel, message.chat?.id);
    const text = plusExpert ? (plus?.rest ?? "") : message.text;
    const outcome = await store.queue.accept(
      {
        channel: message.channel,
        conversationKey: message.conversationKey,
        senderId: message.sender.id,
        senderName: message.sender.name ?? null,
        text,
        attachments: message.attachments && message.attachments.length > 0 ? JSON.stringify(message.attachments) : null,
        platformMessageId: message.platformMessageId ?? null,
        replyToMessageId: message.replyToMessageId ?? null,
        addressed: message.addressed,
        deliveryKeys: message.deliveryKeys,
        ...(message.deferred ? { deferred: message.deferred } : {}),
      },
      acceptPolicy({
        channel: message.channel,
        conversationKey: message.conversationKey,
        text,
        platformMessageId: message.platformMessageId ?? null,
        ...(plusExpert ? { expert: plusExpert } : {}),
        session: {
          expert: experts.forSession(plusExpert ?? binding.expert ?? "default").name,
          origin: originOf(message),
          owner: principal,
          title: titleOf(text) || null,
          mode: binding.mode ?? null,
        },
        cap: this.#options.config.queue.cap,
        notices: (session) => ({ queued: queuedNotices[this.modeOf(session)], overflow: overflowNotice }),
      }),
    );
    faultPoint("after-accept");
    if (outcome.status === "duplicate") return { status: "duplicate" };
    if (outcome.notice) this.#options.onOutbox();
    if (!outcome.dropped) {
      if (outcome.queued && this.modeOf(outcome.session) === "interrupt") {
        await store.queue.requestCancel(outcome.session.id, "interrupt");
        this.#options.onCancel();
      }
      this.#options.onQueued();
    }
    return { status: "accepted", inboundId: outcome.inboundId, sessionId: outcome.session.id, queued: outcome.queued };
  }

  async #refuse(message: InboundMessage, principal: string): Promise<AcceptResult> {
    // They are told how to get admitted at most once a day, however often they write.
    const result = await this.#options.store.queue.refuse(message.deliveryKeys, principal, ({ lastNotifiedAt, now }) =>
      lastNotifiedAt !== undefined && now - lastNotifiedAt < NOTICE_EVERY_MS
        ? null
        : {
            sessionId: null,
            channel: message.channel,
            conversationKey: message.conversationKey,
            kind: "notice",
            text: admissionNotice(principal, message.chat?.group ? `${message.channel}:${message.chat.id}` : undefined),
            replyToMessageId: message.platformMessageId ?? null,
          },
    );
    if (result === "duplicate") return { status: "duplicate" };
    this.#options.logger.info({ principal }, "message from someone not admitted");
    if (result === "notified") this.#options.onOutbox();
    return { status: "refused" };
  }

  async #command(
    message: InboundMessage,
    principal: string,
    prefix: string,
    command: ParsedCommand,
  ): Promise<AcceptResult> {
    const { store, experts, access, logger } = this.#options;
    if (!(await store.queue.recordDelivery(message.deliveryKeys))) return { status: "duplicate" };
    const binding = bindingFor(this.#options.config, message.channel, message.chat?.id);
    const turnContext = this.#options.turnContext;
    let reply: CommandReply;
    const viewer = { principal, conversationKey: message.conversationKey, admin: access.isAdmin(principal) };
    const session = await store.sessions.current(message.conversationKey);
    try {
      reply = await runChatCommand(
        {
          store,
          experts,
          message,
          viewer,
          visibility: this.#options.visibility,
          prefix,
          session,
          newSession: (expert) =>
            store.sessions.create({
              channel: message.channel,
              conversationKey: message.conversationKey,
              expert: experts.get(expert ?? "")?.name ?? experts.forSession(binding.expert ?? "default").name,
              origin: originOf(message),
              owner: principal,
              mode: binding.mode ?? null,
            }),
          modeOf: (session) => this.modeOf(session),
          stop: async (sessionId) => {
            const turn = await store.queue.requestCancel(sessionId, "stop");
            this.#options.onCancel();
            // A request the turn waits for is denied by whoever stopped it.
            await denyPending(store, sessionId, principal, "stopped");
            return turn !== undefined;
          },
          decide: (name, args) =>
            decideByCommand({ store, waiter: this.#options.approvals, viewer, prefix }, name, args),
          ...(turnContext
            ? {
                compact: (session: Session) =>
                  turnContext.compact(session, experts.forSession(session.expert), principal),
              }
            : {}),
        },
        command,
      );
      if (access.isAdmin(principal) && changesState(command)) {
        await store.console.audit({
          actor: principal,
          action: `chat.${command.name}`,
          target: session?.id ?? message.conversationKey,
          detail: command.args || null,
        });
      }
    } catch (error) {
      logger.warn({ err: error, command: command.name }, "command failed");
      reply = { text: `That did not work: ${describeError(error)}` };
    }
    if (reply.forbidden) {
      logger.info({ principal, command: command.name }, "a command refused to someone who may not run it");
      return { status: "forbidden", reply: reply.text };
    }
    if (message.inlineReply) return { status: "command", reply: reply.text };
    if (reply.silent) return { status: "command" };
    await store.outbox.enqueue({
      sessionId: null,
      channel: message.channel,
      conversationKey: message.conversationKey,
      kind: "notice",
      text: reply.text,
      replyToMessageId: message.platformMessageId ?? null,
      ...(reply.buttons && reply.buttons.length > 0
        ? { buttons: reply.buttons.map((button) => ({ ...button, for: principal })) }
        : {}),
    });
    this.#options.onOutbox();
    return { status: "command" };
  }
}

/** Terminal conversations are CLI sessions (so `run --continue` finds them); the rest are chats. */
function originOf(message: InboundMessage): "cli" | "chat" {
  return message.channel === "cli" ? "cli" : "chat";
}
