import type { HttpResponse } from "../http/http-server.js";
import { html } from "./html.js";
import { page } from "./layout.js";

/** The sign-in form; `problem` is said above it (a wrong token, too many attempts). */
export function signInPage(form: { csrf: string; cookie: string }, problem?: string, status = 200): HttpResponse {
  const content = html`<div class="signin">
${problem ? html`<p class="error" role="alert">${problem}</p>` : ""}
<form method="post" action="/admin/login">
<input type="hidden" name="csrf" value="${form.csrf}">
<div><label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby="token-help">
<p id="token-help" class="muted">GATEWAY_ADMIN_TOKEN, or your own operator token from the gateway's YAML.</p></div>
<button type="submit">Sign in</button>
</form></div>`;
  return page("Sign in", content, { status, headers: { "set-cookie": form.cookie } });
}
