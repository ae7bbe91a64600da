import type { Session } from "../store/types.js";
import { type Html, html } from "./html.js";

/** The lock (private) or open (shared) badge, with its meaning in words for screen readers. */
export function sharingBadge(session: Session, isPrivate: boolean): Html {
  return isPrivate
    ? html`<span class="badge private" title="Only its owner and admins may read it">🔒 Private</span>`
    : html`<span class="badge shared" title="${session.sharing === "shared" ? "Shared with its workspace" : "Shared with its conversation"}">Shared</span>`;
}
