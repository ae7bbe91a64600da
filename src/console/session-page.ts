import type { HttpResponse } from "../http/http-server.js";
import type { Session, TranscriptEntry } from "../store/types.js";
import type { ConsoleDeps } from "./console-deps.js";
import { type Html, html } from "./html.js";
import { csrfField, noticeOf, page, type Signed, when } from "./layout.js";
import { sharingBadge } from "./sharing-badge.js";
import { waitingList } from "./waiting-list.js";

/** The newest transcript entries shown; older ones are counted, not rendered (a page stays fast). */
const SHOWN_ENTRIES = 500;

/** One session: what it is, its usage and cost, what waits in it, its actions and its transcript. */
export async function sessionPage(
  session: Session,
  query: URLSearchParams,
  signed: Signed,
  deps: ConsoleDeps,
): Promise<HttpResponse> {
  const { store } = deps;
  const [entries, usage, [sum], waiting, running] = await Promise.all([
    store.transcript.list(session.id),
    store.usage.totalsForSession(session.id),
    store.usage.sums("session", { sessionId: session.id }),
    store.queue.queued(session.id),
    store.queue.isRunning(session.id),
  ]);
  const shown = entries.slice(-SHOWN_ENTRIES);
  const cost =
    !sum || sum.calls === 0
      ? "—"
      : sum.unpriced === sum.calls
        ? "unknown (the model has no prices in the YAML)"
        : `$${sum.costUsd.toFixed(4)}${sum.unpriced > 0 ? " (some calls unpriced)" : ""}`;
  const content = html`${noticeOf(query)}
<p>${sharingBadge(session, deps.isPrivate(session))} <span class="badge">${session.state}</span>${running ? html` <span class="badge">answering now</span>` : ""}</p>
<dl class="meta">
<dt>Id</dt><dd>${session.id}</dd><dt>Channel</dt><dd>${session.channel}</dd>
<dt>Conversation</dt><dd>${session.conversationKey}</dd><dt>Expert</dt><dd>${session.expert}</dd>
<dt>Origin</dt><dd>${session.origin}</dd><dt>Owner</dt><dd>${session.owner ?? "—"}</dd>
<dt>Created</dt><dd>${when(session.createdAt)}</dd><dt>Updated</dt><dd>${when(session.updatedAt)}</dd>
<dt>Tokens</dt><dd>${usage.promptTokens} in, ${usage.completionTokens} out${usage.estimated ? " (partly estimated)" : ""}</dd>
<dt>Cost</dt><dd>${cost}</dd>
</dl>
${actions(session, signed)}
<h2>Waiting messages</h2>${waiting.length === 0 ? html`<p>Nothing waits.</p>` : waitingList(waiting, signed, `/admin/session?id=${encodeURIComponent(session.id)}`)}
<h2>Transcript</h2>
${entries.length > shown.length ? html`<p class="muted">The ${entries.length - shown.length} oldest entries are not shown.</p>` : ""}
${shown.length === 0 ? html`<p>No messages yet.</p>` : html`<ol class="transcript">${shown.map(entry)}</ol>`}`;
  return page(session.title ?? `Session ${session.id}`, content, { signed, section: "sessions" });
}

function actions(session: Session, signed: Signed): Html {
  const id = html`<input type="hidden" name="id" value="${session.id}">`;
  const sharingOption = (value: string, label: string) =>
    html`<option value="${value}"${(session.sharing ?? "default") === value ? html` selected` : ""}>${label}</option>`;
  return html`<h2>Change</h2>
<div class="actions">
<form method="post" action="/admin/session/rename">${csrfField(signed)}${id}
<div><label for="a-title">Title</label><input id="a-title" name="title" maxlength="200" value="${session.title ?? ""}" required></div>
<button type="submit" class="secondary">Rename</button></form>
<form method="post" action="/admin/session/sharing">${csrfField(signed)}${id}
<div><label for="a-sharing">Who may read it</label><select id="a-sharing" name="sharing">
${sharingOption("default", "As its conversation is")}${sharingOption("private", "Private: owner and admins")}${sharingOption("shared", "Shared with its workspace")}
</select></div><button type="submit" class="secondary">Set sharing</button></form>
</div>
<div class="actions">
${
  session.state === "archived"
    ? html`<form method="post" action="/admin/session/unarchive">${csrfField(signed)}${id}<button type="submit" class="secondary">Unarchive</button></form>`
    : html`<form method="post" action="/admin/session/archive">${csrfField(signed)}${id}<button type="submit" class="secondary">Archive</button></form>`
}
<a class="button danger" href="/admin/session/delete?id=${encodeURIComponent(session.id)}">Delete…</a>
</div>`;
}

function entry(item: TranscriptEntry): Html {
  const who =
    item.kind === "user"
      ? (item.senderName ?? item.senderId ?? "user")
      : item.kind === "assistant"
        ? (item.expert ?? "assistant")
        : item.kind === "tool_call"
          ? `tool call: ${item.toolName ?? "?"}`
          : item.kind === "tool_result"
            ? `tool result: ${item.toolName ?? "?"}${item.toolOk === false ? " (failed)" : ""}`
            : item.kind === "summary"
              ? "compaction summary"
              : item.kind;
  const code = item.kind === "tool_call" || item.kind === "tool_result";
  return html`<li class="${item.kind}"><div class="entry-head">${who} · ${when(item.createdAt)}${item.turnId !== null ? ` · turn ${item.turnId}` : ""}</div>
<pre${code ? html` class="code"` : ""}>${item.content.slice(0, 20_000)}</pre>${attachments(item.attachments)}</li>`;
}

function attachments(json: string | null): Html {
  if (!json) return html``;
  let files: { name?: unknown; mimeType?: unknown; size?: unknown }[] = [];
  try {
    const parsed: unknown = JSON.parse(json);
    if (Array.isArray(parsed)) files = parsed as typeof files;
  } catch {
    return html``;
  }
  return html`<ul aria-label="Attachments">${files.map((file) => {
    const details = [
      typeof file.mimeType === "string" ? file.mimeType : undefined,
      typeof file.size === "number" ? `${file.size} bytes` : undefined,
    ].filter((part) => part !== undefined);
    return html`<li>Attachment: ${String(file.name ?? "file")}${details.length > 0 ? ` (${details.join(", ")})` : ""}</li>`;
  })}</ul>`;
}
