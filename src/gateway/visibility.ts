import type { Session } from "../store/types.js";

/** Who is looking, and from where. */
export interface Viewer {
  principal: string;
  conversationKey: string;
  admin: boolean;
}

/**
 * Whether a viewer may see a session. Everyone in a conversation shares its
 * sessions (a private chat has one member; a Slack thread or a group has
 * many); a trigger's session shows in its destination conversation; people see
 * the sessions they started; admins see everything.
 */
export function canSee(viewer: Viewer, session: Session): boolean {
  if (viewer.admin) return true;
  if (session.conversationKey === viewer.conversationKey) return true;
  return session.origin !== "trigger" && session.owner === viewer.principal;
}
