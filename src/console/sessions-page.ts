import type { HttpResponse } from "../http/http-server.js";
import type { Session, SessionOrigin, SessionState } from "../store/types.js";
import type { ConsoleDeps } from "./console-deps.js";
import { type Html, highlighted, html } from "./html.js";
import { noticeOf, page, type Signed, when } from "./layout.js";
import { sharingBadge } from "./sharing-badge.js";

const states: readonly SessionState[] = ["active", "inactive", "archived"];
const origins: readonly SessionOrigin[] = ["chat", "trigger", "cli"];
const LIMIT = 100;

/** The filters a sessions page was asked for, each one of its allowed values or unset. */
interface Filters {
  q: string;
  channel: string | undefined;
  state: SessionState | undefined;
  expert: string | undefined;
  origin: SessionOrigin | undefined;
  owner: string | undefined;
}

/** The sessions page: filters, full-text search with snippets, and one row per session. */
export async function sessionsPage(query: URLSearchParams, signed: Signed, deps: ConsoleDeps): Promise<HttpResponse> {
  const filters = filtersOf(query, deps);
  const rows = await find(filters, deps);
  const table =
    rows.length === 0
      ? html`<p>No sessions match.</p>`
      : html`<div class="table-wrap"><table>
<caption class="muted">${rows.length === LIMIT ? `The first ${LIMIT} sessions` : `${rows.length} sessions`}, newest first</caption>
<thead><tr><th scope="col">Session</th><th scope="col">Sharing</th><th scope="col">Channel</th><th scope="col">Expert</th><th scope="col">Origin</th><th scope="col">Owner</th><th scope="col">State</th><th scope="col">Updated</th></tr></thead>
<tbody>${rows.map(({ session, snippet }) => row(session, snippet, deps))}</tbody></table></div>`;
  return page("Sessions", html`${noticeOf(query)}${filterForm(filters, deps)}${table}`, {
    signed,
    section: "sessions",
  });
}

async function find(filters: Filters, deps: ConsoleDeps): Promise<{ session: Session; snippet?: string }[]> {
  const { store } = deps;
  if (filters.q) {
    const hits = await store.sessions.search(filters.q, {
      limit: LIMIT * 2,
      includeArchived: filters.state === undefined || filters.state === "archived",
      ...(filters.channel ? { channel: filters.channel } : {}),
      ...(filters.expert ? { expert: filters.expert } : {}),
    });
    return hits
      .filter(({ session }) => matches(session, filters))
      .slice(0, LIMIT)
      .map((hit) => ({ session: hit.session, snippet: hit.snippet }));
  }
  const sessions = await store.sessions.list({
    states: filters.state ? [filters.state] : [...states],
    limit: LIMIT,
    ...(filters.channel ? { channel: filters.channel } : {}),
    ...(filters.expert ? { expert: filters.expert } : {}),
    ...(filters.origin ? { origin: filters.origin } : {}),
    ...(filters.owner ? { owner: filters.owner } : {}),
  });
  return sessions.map((session) => ({ session }));
}

function matches(session: Session, filters: Filters): boolean {
  return (
    (filters.state === undefined || session.state === filters.state) &&
    (filters.origin === undefined || session.origin === filters.origin) &&
    (filters.owner === undefined || session.owner === filters.owner)
  );
}

function row(session: Session, snippet: string | undefined, deps: ConsoleDeps): Html {
  return html`<tr>
<td><a href="/admin/session?id=${encodeURIComponent(session.id)}">${session.title ?? "(untitled)"}</a>
<div class="muted">${session.id}</div>${snippet ? html`<div>${highlighted(snippet)}</div>` : ""}</td>
<td>${sharingBadge(session, deps.isPrivate(session))}</td>
<td>${session.channel}</td><td>${session.expert}</td><td>${session.origin}</td><td>${session.owner ?? "—"}</td>
<td>${session.state}</td><td>${when(session.updatedAt)}</td></tr>`;
}

function filterForm(filters: Filters, deps: ConsoleDeps): Html {
  const select = (name: keyof Filters, label: string, values: readonly string[], chosen: string | undefined) =>
    html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}">
<option value="">any</option>${values.map(
      (value) => html`<option value="${value}"${value === chosen ? html` selected` : ""}>${value}</option>`,
    )}</select></div>`;
  return html`<form class="filters" method="get" action="/admin" role="search" aria-label="Find sessions">
<div><label for="f-q">Words in the transcript</label><input id="f-q" name="q" type="search" value="${filters.q}"></div>
${select("channel", "Channel", deps.channels, filters.channel)}
${select("state", "State", states, filters.state)}
${select("expert", "Expert", deps.experts, filters.expert)}
${select("origin", "Origin", origins, filters.origin)}
<div><label for="f-owner">Owner</label><input id="f-owner" name="owner" value="${filters.owner ?? ""}" placeholder="telegram:12345"></div>
<div><button type="submit">Find</button></div></form>`;
}

function filtersOf(query: URLSearchParams, deps: ConsoleDeps): Filters {
  const one = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = query.get(name) ?? "";
    return (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
  };
  const owner = (query.get("owner") ?? "").trim().slice(0, 200);
  return {
    q: (query.get("q") ?? "").trim().slice(0, 200),
    channel: one("channel", deps.channels),
    state: one("state", states),
    expert: one("expert", deps.experts),
    origin: one("origin", origins),
    owner: owner || undefined,
  };
}
