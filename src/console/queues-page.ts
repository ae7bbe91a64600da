import type { HttpResponse } from "../http/http-server.js";
import type { InboundRow, OutboxRow } from "../store/types.js";
import type { ConsoleDeps } from "./console-deps.js";
import { type Html, html } from "./html.js";
import { age, csrfField, noticeOf, page, preview, type Signed, when } from "./layout.js";
import { waitingList } from "./waiting-list.js";

const LIMIT = 200;
/** An undelivered reply older than this counts as stuck. */
export const STUCK_AFTER_MS = 5 * 60_000;

/** What runs and waits now, across every instance: running turns, waiting messages, outbox rows in trouble. */
export async function queuesPage(query: URLSearchParams, signed: Signed, deps: ConsoleDeps): Promise<HttpResponse> {
  const { store, clock } = deps;
  const now = clock();
  const [running, waiting, troubled] = await Promise.all([
    store.turns.running(LIMIT),
    store.queue.waiting(LIMIT),
    store.outbox.troubled(now - STUCK_AFTER_MS, LIMIT),
  ]);
  const refresh = query.get("refresh") === "5";
  const content = html`${noticeOf(query)}
<p>${refresh ? html`Refreshing every 5 s. <a href="/admin/queues">Stop refreshing</a>` : html`<a href="/admin/queues?refresh=5">Refresh every 5 s</a>`}</p>
<h2 id="running">Turns running now (${running.length})</h2>
${
  running.length === 0
    ? html`<p>No turn is running.</p>`
    : html`<div class="table-wrap"><table aria-labelledby="running"><thead><tr><th scope="col">Session</th><th scope="col">Expert</th><th scope="col">Model</th><th scope="col">Since</th><th scope="col">Instance</th></tr></thead><tbody>${running.map(
        (turn) => html`<tr><td>${sessionLink(turn.sessionId)}</td><td>${turn.expert}</td><td>${turn.model}</td>
<td>${when(turn.startedAt)} (${age(turn.startedAt, now)})</td><td>${turn.owner ?? "—"}</td></tr>`,
      )}</tbody></table></div>`
}
<h2 id="waiting">Messages waiting (${waiting.length})</h2>
${waiting.length === 0 ? html`<p>Nothing waits.</p>` : bySession(waiting, signed)}
<h2 id="outbox">Replies failing or stuck (${troubled.length})</h2>
${troubled.length === 0 ? html`<p>Every reply went out.</p>` : outboxTable(troubled, signed, now)}`;
  return page("Queues", content, { signed, section: "queues", ...(refresh ? { refreshSeconds: 5 } : {}) });
}

function bySession(rows: readonly InboundRow[], signed: Signed): Html {
  const sessions = new Map<string, InboundRow[]>();
  for (const row of rows) sessions.set(row.sessionId, [...(sessions.get(row.sessionId) ?? []), row]);
  return html`${[...sessions].map(
    ([sessionId, waiting]) =>
      html`<section aria-label="Waiting in ${sessionId}"><h3>${sessionLink(sessionId)} — ${waiting.length} waiting</h3>${waitingList(waiting, signed, "/admin/queues")}</section>`,
  )}`;
}

function outboxTable(rows: readonly OutboxRow[], signed: Signed, now: number): Html {
  const button = (action: string, label: string, row: OutboxRow, kind: string) =>
    html`<form method="post" action="/admin/outbox/${action}" class="inline">${csrfField(signed)}<input type="hidden" name="id" value="${row.id}"><button type="submit" class="${kind}">${label}</button></form>`;
  return html`<div class="table-wrap"><table aria-labelledby="outbox"><thead><tr><th scope="col">Row</th><th scope="col">Conversation</th><th scope="col">Reply</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Stored</th><th scope="col">Actions</th></tr></thead><tbody>${rows.map(
    (
      row,
    ) => html`<tr><td>${row.id}</td><td>${row.conversationKey}${row.sessionId ? html`<div>${sessionLink(row.sessionId)}</div>` : ""}</td>
<td>${row.kind}: ${preview(row.text, 80)}</td><td>${row.state}</td><td>${row.attempts}</td><td>${row.error ?? "—"}</td>
<td>${when(row.createdAt)} (${age(row.createdAt, now)})</td>
<td>${row.state === "sending" ? "being sent" : html`${button("retry", "Retry now", row, "secondary")}${row.state === "pending" ? button("give-up", "Give up", row, "danger") : ""}`}</td></tr>`,
  )}</tbody></table></div>`;
}

function sessionLink(id: string): Html {
  return html`<a href="/admin/session?id=${encodeURIComponent(id)}">${id}</a>`;
}
