import type { ApprovalDecision, ToolApproval } from "../../store/approval-repository.js";
import type { Store } from "../../store/store.js";
import { decidedText, outcomeLine } from "./approval-text.js";

/**
 * Decides a pending request once and shows the outcome where it was asked: the request message is
 * edited (its buttons go), or, when it has not gone out yet, a line follows it. Undefined when the
 * request had been decided already (a second press, a timeout racing a press): nothing changes.
 */
export async function settleApproval(
  store: Store,
  approvalId: number,
  decision: ApprovalDecision,
): Promise<ToolApproval | undefined> {
  const decided = await store.approvals.decide(approvalId, decision);
  if (decided) await showOutcome(store, decided);
  return decided;
}

/** Denies every request still waiting in a session (`stop`, an interrupting message); returns how many. */
export async function denyPending(store: Store, sessionId: string, by: string, reason: string): Promise<number> {
  let denied = 0;
  for (const approval of await store.approvals.listOfSession(sessionId, { pending: true })) {
    if (await settleApproval(store, approval.id, { state: "denied", by, reason })) denied++;
  }
  return denied;
}

async function showOutcome(store: Store, approval: ToolApproval): Promise<void> {
  if (approval.outboxId === null) return;
  const request = await store.outbox.get(approval.outboxId);
  if (!request) return;
  const where = { sessionId: approval.sessionId, channel: request.channel, conversationKey: request.conversationKey };
  const shownAs = request.state === "delivered" ? request.sentParts[0] : undefined;
  await store.outbox.enqueue(
    shownAs
      ? { ...where, kind: "edit", editMessageId: shownAs, text: decidedText(approval) }
      : { ...where, kind: "notice", text: `${approval.toolName}: ${outcomeLine(approval)}` },
  );
}
