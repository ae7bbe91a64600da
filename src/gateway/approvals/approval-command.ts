import type { Store } from "../../store/store.js";
import type { CommandReply } from "../commands/command-context.js";
import type { Viewer } from "../visibility.js";
import { settleApproval } from "./approval-settle.js";
import { outcomeLine } from "./approval-text.js";
import type { ApprovalWaiter } from "./approval-waiter.js";

export type ApprovalCommand = "approve" | "deny" | "always";

/**
 * `approve ID`, `deny ID`, `always ID` (what the request's buttons run): decided only by the author of
 * the message the turn answers, or an admin, and only in the conversation where it was asked. Anyone
 * else is refused (`forbidden`: told in a way only they see, where the platform can). A decision
 * needs no reply of its own: the request message is edited to show it.
 */
export async function decideByCommand(
  deps: { store: Store; waiter: ApprovalWaiter; viewer: Viewer; prefix: string },
  name: ApprovalCommand,
  args: string,
): Promise<CommandReply> {
  const { store, viewer } = deps;
  const id = /^\d{1,15}$/.test(args) ? Number(args) : undefined;
  if (id === undefined) return { text: `Usage: ${deps.prefix}${name} ID (the number of a tool approval request)` };
  const approval = await store.approvals.get(id);
  const session = approval ? await store.sessions.get(approval.sessionId) : undefined;
  if (!approval || session?.conversationKey !== viewer.conversationKey) {
    return { text: `There is no approval request ${id} here.` };
  }
  if (approval.decider !== viewer.principal && !viewer.admin) {
    return { text: "Only the person who asked (or an admin) can decide this request.", forbidden: true };
  }
  const decided = await settleApproval(store, id, {
    state: name === "deny" ? "denied" : "approved",
    by: viewer.principal,
    always: name === "always",
  });
  if (!decided) {
    const known = await store.approvals.get(id);
    return { text: `Request ${id} was decided already: ${known ? outcomeLine(known) : "it is gone"}.` };
  }
  deps.waiter.wake();
  return { text: outcomeLine(decided), silent: true };
}
