import type { ToolContext } from "../agent/tools.js";
import type { Viewer } from "../gateway/visibility.js";
import type { Store } from "../store/store.js";
import type { Session } from "../store/types.js";
import { memoryScope } from "./memory-scope.js";

/** Who a memory or session tool acts for: the person the turn answers, in the session's workspace. */
export interface Asker {
  session: Session;
  userId: string | null;
  scope: string;
  viewer: Viewer;
}

/** The asker of a tool call; undefined outside a stored session (`run --no-session`). */
export async function askerOf(
  store: Store,
  context: Pick<ToolContext, "sessionId" | "userId">,
  isAdmin: (principal: string) => boolean,
): Promise<Asker | undefined> {
  if (!context.sessionId) return undefined;
  const session = await store.sessions.get(context.sessionId);
  if (!session) return undefined;
  const userId = context.userId ?? session.owner;
  return {
    session,
    userId,
    scope: memoryScope(session),
    viewer: {
      principal: userId ?? "",
      conversationKey: session.conversationKey,
      admin: userId !== null && isAdmin(userId),
    },
  };
}

export const noSessionResult = { ok: false as const, error: "this tool needs a stored session" };
