import type { Session } from "../store/types.js";
import { type Html, html, trusted } from "./html.js";

/** A padlock drawn inline (no emoji font is needed, no image is fetched); the word beside it says the same. */
const lock = trusted(
  '<svg class="icon" aria-hidden="true" viewBox="0 0 16 16" width="12" height="12"><rect x="2.5" y="7" width="11" height="8" rx="1.5" fill="currentColor"/><path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="2"/></svg>',
);

/** The lock (private) or open (shared) badge, with its meaning in words for screen readers. */
export function sharingBadge(session: Session, isPrivate: boolean): Html {
  return isPrivate
    ? html`<span class="badge private" title="Only its owner and admins may read it">${lock} Private</span>`
    : html`<span class="badge shared" title="${session.sharing === "shared" ? "Shared with its workspace" : "Shared with its conversation"}">Shared</span>`;
}
