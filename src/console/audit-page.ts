import type { HttpResponse } from "../http/http-server.js";
import type { ConsoleDeps } from "./console-deps.js";
import { html } from "./html.js";
import { page, type Signed, when } from "./layout.js";

const PAGE_SIZE = 100;

/** The audit log, newest first, a hundred entries a page. */
export async function auditPage(query: URLSearchParams, signed: Signed, deps: ConsoleDeps): Promise<HttpResponse> {
  const before = Number.parseInt(query.get("before") ?? "", 10);
  const entries = await deps.store.console.auditLog({
    limit: PAGE_SIZE,
    ...(Number.isSafeInteger(before) && before > 0 ? { beforeId: before } : {}),
  });
  const last = entries.at(-1);
  const content =
    entries.length === 0
      ? html`<p>Nothing was changed yet.</p>`
      : html`<div class="table-wrap"><table><caption class="muted">Changes made on this console and by admins in chat, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Detail</th></tr></thead>
<tbody>${entries.map(
          (entry) =>
            html`<tr><td>${when(entry.at)}</td><td>${entry.actor}</td><td>${entry.action}</td><td>${entry.target ?? "—"}</td><td>${entry.detail ?? "—"}</td></tr>`,
        )}</tbody></table></div>
${entries.length === PAGE_SIZE && last ? html`<p><a href="/admin/audit?before=${last.id}">Older entries</a></p>` : ""}`;
  return page("Audit log", content, { signed, section: "audit" });
}
