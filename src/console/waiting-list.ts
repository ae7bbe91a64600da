import type { InboundRow } from "../store/types.js";
import { type Html, html } from "./html.js";
import { csrfField, preview, type Signed, when } from "./layout.js";

/** Waiting messages with a Drop button each; `back` is the page to return to. */
export function waitingList(rows: readonly InboundRow[], signed: Signed, back: string): Html {
  return html`<ul class="waiting">${rows.map(
    (
      row,
    ) => html`<li><span>${preview(row.text)}</span> <span class="muted">— ${row.senderName ?? row.senderId}, ${when(row.receivedAt)}</span>
<form method="post" action="/admin/queue/drop" class="inline">${csrfField(signed)}
<input type="hidden" name="session" value="${row.sessionId}"><input type="hidden" name="inbound" value="${row.id}">
<input type="hidden" name="back" value="${back}">
<button type="submit" class="danger" aria-label="Drop waiting message: ${preview(row.text, 60)}">Drop</button></form></li>`,
  )}</ul>`;
}
