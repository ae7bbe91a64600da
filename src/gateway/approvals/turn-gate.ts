import type { ToolGate } from "../../agent/tool-gate.js";
import type { Clock } from "../../ids.js";
import type { Store } from "../../store/store.js";
import type { GateTurn } from "./approval-verdict.js";
import type { ApprovalWaiter } from "./approval-waiter.js";
import { ChatGate, type ChatGateOptions } from "./chat-gate.js";
import { RuleGate } from "./rule-gate.js";

/** What a gateway's turns need to ask for approvals. */
export interface TurnApprovals {
  waiter: ApprovalWaiter;
  /** How long a request waits before it counts as denied. */
  timeoutMs: number;
  /** A trigger's `approvals` setting, by trigger name (`deny` when it names none). */
  triggerRule(name: string): "auto" | "deny";
}

/**
 * The gate of one channel turn: a trigger's run is decided by its rule (nobody is there to press a
 * button), any other turn asks in its conversation.
 */
export function turnGate(
  approvals: TurnApprovals,
  options: {
    store: Store;
    clock: Clock;
    turn: GateTurn;
    triggerName: string | null;
    decider: string | null;
    route: ChatGateOptions["route"];
    onOutbox: () => void;
    onWaiting?: (waiting: boolean) => void;
  },
): ToolGate {
  const { store, clock, turn, triggerName } = options;
  if (triggerName !== null) {
    const rule = approvals.triggerRule(triggerName);
    return new RuleGate({
      store,
      clock,
      turn,
      rule: {
        decision: rule === "auto" ? "approved" : "denied",
        by: `trigger:${triggerName}`,
        reason: `approvals: ${rule}`,
      },
    });
  }
  return new ChatGate({
    store,
    clock,
    turn,
    waiter: approvals.waiter,
    timeoutMs: approvals.timeoutMs,
    decider: options.decider,
    route: options.route,
    onOutbox: options.onOutbox,
    ...(options.onWaiting ? { onWaiting: options.onWaiting } : {}),
  });
}
