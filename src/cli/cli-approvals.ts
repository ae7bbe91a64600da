import type { ToolGate } from "../agent/tool-gate.js";
import { UsageError } from "../errors.js";
import { RuleGate } from "../gateway/approvals/rule-gate.js";
import { systemClock } from "../ids.js";
import type { Store } from "../store/store.js";

/** `run -p`'s answer to tool calls under `ask`: nobody is asked, the flags decide. */
export type CliApprovalMode = "approve" | "deny";

const reasons: Record<CliApprovalMode, string> = { approve: "--approve", deny: "--deny-all" };

/** The line a denied call prints on stderr, so a script's author sees why the tool did not run. */
export function denialLine(toolName: string, mode: CliApprovalMode): string {
  return mode === "deny"
    ? `denied: ${toolName} needs approval, and run -p denies such calls (--deny-all is the default; --approve runs them)\n`
    : "";
}

/** The gate of a stored CLI turn: each call is decided by the flag and recorded like any request. */
export function cliGate(store: Store, turn: { sessionId: string; turnId: number }, mode: CliApprovalMode): ToolGate {
  return new RuleGate({
    store,
    turn,
    clock: systemClock,
    rule: { decision: mode === "approve" ? "approved" : "denied", by: "cli", reason: reasons[mode] },
    onDecided: (approval) => process.stderr.write(denialLine(approval.toolName, mode)),
  });
}

/** The gate of a turn that stores nothing (`--no-session`): decided by the flag, nothing recorded. */
export function ephemeralGate(mode: CliApprovalMode): ToolGate {
  return {
    check: async ({ tool }) => {
      if (mode === "approve") return { run: true, start: async () => true };
      process.stderr.write(denialLine(tool.name, mode));
      return {
        run: false,
        result: {
          ok: false,
          error: `denied: ${tool.name} needs approval, and this run denies such calls (--deny-all)`,
        },
      };
    },
  };
}

/** `--approve` or `--deny-all`, never both. */
export function approvalFlags(options: { approve?: boolean; denyAll?: boolean }): { approvals?: "approve" | "deny" } {
  if (options.approve && options.denyAll) throw new UsageError("use only one of --approve and --deny-all");
  if (options.approve) return { approvals: "approve" };
  return options.denyAll ? { approvals: "deny" } : {};
}
