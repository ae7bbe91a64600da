import { redactArgumentValues } from "../../secrets/secret-keys.js";
import { redactSecrets } from "../../secrets/secret-registry.js";
import type { ToolApproval } from "../../store/approval-repository.js";
import type { OutboxButton } from "../../store/types.js";

/** Longest argument summary a request shows: enough to judge the call, never a wall of text. */
const MAX_SUMMARY = 600;
/** Longest single value in the summary (a file's content is shown by its start). */
const MAX_VALUE = 120;

/** The arguments in a line or a few, each value shortened, every configured secret replaced. */
export function summarizeArguments(args: unknown): string {
  const shown = redactArgumentValues(args, redactSecrets);
  const entries =
    typeof shown === "object" && shown !== null && !Array.isArray(shown) ? Object.entries(shown) : [["", shown]];
  const lines = entries.map(([key, value]) => {
    const shown = shorten(typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? "null"));
    return key === "" ? shown : `${key}: ${shown}`;
  });
  const text = redactSecrets(lines.join("\n"));
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text || "(no arguments)";
}

function shorten(value: string): string {
  return value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE - 1)}…` : value;
}

/** How long a wait is, in words ("10 minutes", "45 s"). */
export function waitWords(ms: number): string {
  if (ms < 90_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  return `${Math.round(ms / 60_000)} minutes`;
}

/** The request as the conversation shows it, before a decision. */
export function requestText(approval: Pick<ToolApproval, "toolName" | "summary">, timeoutMs: number): string {
  return [
    `Approval needed: I want to run **${approval.toolName}**`,
    "```",
    approval.summary.replace(/```/g, "'''"),
    "```",
    `Approve, deny, or always allow it in this session. Without an answer in ${waitWords(timeoutMs)} it counts as denied.`,
  ].join("\n");
}

/** The request's buttons: each runs a chat command naming the request. */
export function requestButtons(approvalId: number, decider: string | null): OutboxButton[] {
  const owner = decider ? { for: decider } : {};
  return [
    { label: "Approve", command: `approve ${approvalId}`, key: "y", ...owner },
    { label: "Deny", command: `deny ${approvalId}`, key: "n", ...owner },
    { label: "Always allow in this session", command: `always ${approvalId}`, key: "a", ...owner },
  ];
}

/** The outcome in a few words: "Approved by telegram:42 at 12:03 UTC", "Denied: timed out at …". */
export function outcomeLine(approval: ToolApproval): string {
  const at = approval.decidedAt === null ? "" : ` at ${new Date(approval.decidedAt).toISOString().slice(11, 16)} UTC`;
  const verb =
    approval.state === "approved" ? (approval.always ? "Always allowed in this session" : "Approved") : "Denied";
  const reason = approval.reason ? ` (${approval.reason})` : "";
  return `${verb} by ${approval.decidedBy ?? "nobody"}${reason}${at}`;
}

/** The request message once decided: what was asked, and the outcome in place of the buttons. */
export function decidedText(approval: ToolApproval): string {
  return [
    `Tool **${approval.toolName}**`,
    "```",
    approval.summary.replace(/```/g, "'''"),
    "```",
    outcomeLine(approval),
  ].join("\n");
}

/** What the model reads for a denied call. */
export function denialResult(approval: ToolApproval): string {
  const why = approval.reason ? ` (${approval.reason})` : "";
  return `denied: the user did not approve this call of ${approval.toolName}${why}; decided by ${approval.decidedBy ?? "nobody"}. Do not try it again in this turn; tell the user it was not done.`;
}
