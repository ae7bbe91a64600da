import type { Session } from "../store/types.js";

/**
 * The workspace whose `project` and `decision` memories a session reads: a
 * Slack team (`slack:T1` from `slack:T1:C1:ts`), a Telegram chat
 * (`telegram:-100123`, also for its forum topics), the CLI (`cli`, every
 * terminal session); other channels use their first key segment the same way.
 */
export function memoryScope(session: Pick<Session, "channel" | "conversationKey">): string {
  if (session.channel === "cli") return "cli";
  const [channel, workspace] = session.conversationKey.split(":");
  return workspace ? `${channel}:${workspace}` : (channel ?? session.channel);
}
