import type { HttpRequest, HttpResponse, HttpServer } from "../http/http-server.js";
import { sameSecret } from "../http/same-secret.js";
import type { ConsoleSession } from "../store/console-repository.js";
import { auditPage } from "./audit-page.js";
import { audit, consoleActions } from "./console-actions.js";
import type { ConsoleDeps } from "./console-deps.js";
import { consoleCss } from "./console-style.js";
import { formOf } from "./form.js";
import { html } from "./html.js";
import { csrfField, page, redirect, type Signed } from "./layout.js";
import { queuesPage } from "./queues-page.js";
import { sessionPage } from "./session-page.js";
import { sessionsPage } from "./sessions-page.js";
import { signInPage } from "./sign-in-page.js";

/** A console form is small: a title at most. */
const FORM_LIMIT = 64 * 1024;

type SignedPage = (request: HttpRequest, signed: Signed) => Promise<HttpResponse>;

/**
 * Mounts the operator console under `/admin` on the gateway's HTTP server. Pages need a signed-in
 * cookie session (else they send the browser to the sign-in form); every POST needs that session,
 * its CSRF token in the form and no foreign Origin, else it is refused before anything changes.
 */
export function mountConsole(http: HttpServer, deps: ConsoleDeps): void {
  http.route("GET", "/admin/console.css", () => ({
    status: 200,
    headers: { "content-type": "text/css; charset=utf-8", "cache-control": "max-age=3600" },
    body: consoleCss,
  }));
  http.route("GET", "/admin/login", async (request) =>
    (await deps.auth.session(request)) ? redirect("/admin") : signInPage(deps.auth.signInForm()),
  );
  http.route("POST", "/admin/login", (request) => signIn(request, deps), { bodyLimit: FORM_LIMIT });
  const pages: Record<string, SignedPage> = {
    "/admin": (request, signed) => sessionsPage(request.query, signed, deps),
    "/admin/session": async (request, signed) => {
      const session = await deps.store.sessions.get(request.query.get("id") ?? "");
      return session ? sessionPage(session, request.query, signed, deps) : notFound(signed);
    },
    "/admin/session/delete": async (request, signed) => {
      const session = await deps.store.sessions.get(request.query.get("id") ?? "");
      return session ? confirmDelete(session.id, session.title, signed) : notFound(signed);
    },
    "/admin/queues": (request, signed) => queuesPage(request.query, signed, deps),
    "/admin/audit": (request, signed) => auditPage(request.query, signed, deps),
  };
  for (const [path, render] of Object.entries(pages)) {
    http.route("GET", path, async (request) => {
      const session = await deps.auth.session(request);
      if (!session) return redirect("/admin/login");
      return render(request, { operator: session.operator, csrf: session.csrf });
    });
  }
  for (const [path, action] of Object.entries(consoleActions)) {
    http.route(
      "POST",
      path,
      (request) => posted(request, deps, (form, session) => action(form, session.operator, deps)),
      { bodyLimit: FORM_LIMIT },
    );
  }
  http.route(
    "POST",
    "/admin/logout",
    (request) =>
      posted(request, deps, async (_form, session) => {
        const cleared = await deps.auth.signOut(request);
        await audit(deps, session.operator, "console.sign-out", null, null);
        return {
          status: 303,
          headers: { location: "/admin/login", "set-cookie": cleared, "cache-control": "no-store" },
        };
      }),
    { bodyLimit: FORM_LIMIT },
  );
}

/** Runs a posted change once the request is same-site, signed in and carries the session's CSRF token. */
async function posted(
  request: HttpRequest,
  deps: ConsoleDeps,
  change: (form: URLSearchParams, session: ConsoleSession) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  if (crossSite(request)) return refused(403, "This form came from another site.");
  const session = await deps.auth.session(request);
  if (!session) return refused(401, "Sign in first.");
  const form = formOf(request);
  const csrf = form.get("csrf");
  if (!csrf || !sameSecret(csrf, session.csrf)) {
    return refused(403, "The form's security token is missing or wrong; reload the page and try again.");
  }
  return change(form, session);
}

async function signIn(request: HttpRequest, deps: ConsoleDeps): Promise<HttpResponse> {
  if (crossSite(request)) return refused(403, "This form came from another site.");
  const form = formOf(request);
  if (!deps.auth.signInFormMatches(request, form.get("csrf"))) {
    return signInPage(deps.auth.signInForm(), "The sign-in form expired; please try again.", 403);
  }
  const result = await deps.auth.signIn(form.get("token") ?? "", request.remoteAddress ?? "unknown");
  if (!result.ok) {
    return result.reason === "limited"
      ? signInPage(deps.auth.signInForm(), "Too many failed sign-ins from here; wait 15 minutes and try again.", 429)
      : signInPage(deps.auth.signInForm(), "That token is not valid.", 401);
  }
  await audit(deps, result.operator, "console.sign-in", null, request.remoteAddress ?? null);
  return { status: 303, headers: { location: "/admin", "set-cookie": result.cookie, "cache-control": "no-store" } };
}

/**
 * A browser says where a form came from: `Sec-Fetch-Site` other than same-origin (or none: typed,
 * bookmarked), else an Origin of another host, is refused even with a valid token (SameSite=Strict
 * already keeps the cookie from such requests). Clients that send neither (curl) pass on to the
 * cookie and CSRF checks.
 */
function crossSite(request: HttpRequest): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined) return site !== "same-origin" && site !== "none";
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

function refused(status: number, why: string): HttpResponse {
  return page(
    "Refused",
    html`<p class="error" role="alert">${why}</p><p><a href="/admin">Back to the console</a></p>`,
    {
      status,
    },
  );
}

function notFound(signed: Signed): HttpResponse {
  return page("Not found", html`<p>No such session. <a href="/admin">All sessions</a></p>`, { signed, status: 404 });
}

function confirmDelete(id: string, title: string | null, signed: Signed): HttpResponse {
  const content = html`<p class="error" role="alert">Delete session <strong>${title ?? id}</strong> (${id})? Its transcript, waiting messages and replies go with it. This cannot be undone.</p>
<div class="actions"><form method="post" action="/admin/session/delete">${csrfField(signed)}
<input type="hidden" name="id" value="${id}"><input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Delete for good</button></form>
<a class="button" href="/admin/session?id=${encodeURIComponent(id)}">Cancel</a></div>`;
  return page("Delete session?", content, { signed, section: "sessions" });
}
