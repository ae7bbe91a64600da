import type { GatedCall, GateVerdict, ToolGate } from "../../agent/tool-gate.js";
import type { Clock } from "../../ids.js";
import type { Store } from "../../store/store.js";
import type { NewOutbox } from "../../store/types.js";
import { requestButtons, requestText } from "./approval-text.js";
import { type GateTurn, newApproval, verdictOf } from "./approval-verdict.js";
import type { ApprovalWaiter } from "./approval-waiter.js";

export interface ChatGateOptions {
  store: Store;
  waiter: ApprovalWaiter;
  clock: Clock;
  turn: GateTurn;
  /** Who may decide besides admins: the author of the last message the turn answers. */
  decider: string | null;
  /** Where the request is posted: the turn's conversation, replying to what it answers. */
  route: Pick<NewOutbox, "channel" | "conversationKey" | "replyToMessageId">;
  timeoutMs: number;
  /** A request message was stored: the outbox should send it now. */
  onOutbox: () => void;
  /** The turn starts (true) or stops (false) waiting for a person: it then takes no turn slot. */
  onWaiting?: (waiting: boolean) => void;
}

/**
 * Asks in the conversation: the request (tool, arguments summarized and redacted) goes out with
 * Approve / Deny / Always allow buttons, and the call waits for the decision in the store. A call of a
 * tool someone always allowed in this session runs without asking (recorded all the same). A resumed
 * turn finds its request again instead of asking twice.
 */
export class ChatGate implements ToolGate {
  readonly #options: ChatGateOptions;

  constructor(options: ChatGateOptions) {
    this.#options = options;
  }

  async check(call: GatedCall, signal: AbortSignal): Promise<GateVerdict> {
    const { store, turn, decider, route, timeoutMs, clock } = this.#options;
    const always = await store.approvals.alwaysAllowed(turn.sessionId, call.tool.name);
    const asked = newApproval(turn, call, decider, clock() + timeoutMs);
    const { approval, created } = await store.approvals.request(asked, (id) =>
      always
        ? null
        : {
            ...route,
            sessionId: turn.sessionId,
            turnId: turn.turnId,
            kind: "notice",
            text: requestText(asked, timeoutMs),
            buttons: requestButtons(id, decider),
          },
    );
    if (created && approval.outboxId !== null) this.#options.onOutbox();
    if (approval.state !== "pending") return verdictOf(store, approval);
    if (always && approval.outboxId === null) {
      const allowed = await store.approvals.decide(approval.id, {
        state: "approved",
        by: "session",
        reason: "always allowed in this session",
      });
      if (allowed) return verdictOf(store, allowed);
    }
    this.#options.onWaiting?.(true);
    try {
      return verdictOf(store, await this.#options.waiter.wait(approval.id, signal));
    } finally {
      this.#options.onWaiting?.(false);
    }
  }
}
