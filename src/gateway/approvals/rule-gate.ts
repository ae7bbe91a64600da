import type { GatedCall, GateVerdict, ToolGate } from "../../agent/tool-gate.js";
import type { Clock } from "../../ids.js";
import type { ToolApproval } from "../../store/approval-repository.js";
import type { Store } from "../../store/store.js";
import { type GateTurn, newApproval, verdictOf } from "./approval-verdict.js";

/** A fixed answer where nobody can press a button: a trigger's `approvals`, `run -p --approve` / `--deny-all`. */
export interface ApprovalRule {
  decision: "approved" | "denied";
  /** Who decides, as recorded: `trigger:NAME`, `cli`. */
  by: string;
  /** Why, as recorded and shown: `approvals: deny`, `--deny-all`. */
  reason: string;
}

/**
 * Decides every call at once by a rule, recording each as a request row with its decision, so that
 * `sessions show` and a trigger's run history show what was allowed and denied.
 */
export class RuleGate implements ToolGate {
  readonly #store: Store;
  readonly #turn: GateTurn;
  readonly #rule: ApprovalRule;
  readonly #clock: Clock;
  readonly #onDecided: ((approval: ToolApproval) => void) | undefined;

  constructor(options: {
    store: Store;
    turn: GateTurn;
    rule: ApprovalRule;
    clock: Clock;
    /** Told about every decision (the CLI prints a line for each denial). */
    onDecided?: (approval: ToolApproval) => void;
  }) {
    this.#store = options.store;
    this.#turn = options.turn;
    this.#rule = options.rule;
    this.#clock = options.clock;
    this.#onDecided = options.onDecided;
  }

  async check(call: GatedCall): Promise<GateVerdict> {
    const store = this.#store;
    const { approval } = await store.approvals.request(newApproval(this.#turn, call, null, this.#clock()), () => null);
    const decided =
      approval.state === "pending"
        ? ((await store.approvals.decide(approval.id, {
            state: this.#rule.decision,
            by: this.#rule.by,
            reason: this.#rule.reason,
          })) ??
          (await store.approvals.get(approval.id)) ??
          approval)
        : approval;
    this.#onDecided?.(decided);
    return verdictOf(store, decided);
  }
}
