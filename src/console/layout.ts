import type { HttpResponse } from "../http/http-server.js";
import { type Html, html } from "./html.js";

/** Headers of every console answer: nothing cached, nothing framed, no script, forms only to itself. */
export const consoleHeaders: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
};

/** Who is signed in, for the header's sign-out form. */
export interface Signed {
  operator: string;
  csrf: string;
}

export type Section = "sessions" | "queues" | "audit";

const sections: readonly (readonly [Section, string, string])[] = [
  ["sessions", "/admin", "Sessions"],
  ["queues", "/admin/queues", "Queues"],
  ["audit", "/admin/audit", "Audit log"],
];

/** A whole page: the navigation (when signed in), the page's heading and its content. */
export function page(
  title: string,
  content: Html,
  options: {
    signed?: Signed;
    section?: Section;
    status?: number;
    refreshSeconds?: number;
    headers?: Record<string, string>;
  } = {},
): HttpResponse {
  const { signed, section } = options;
  const nav = signed
    ? html`<header>
  <nav aria-label="Console"><ul>${sections.map(
    ([name, href, label]) =>
      html`<li><a href="${href}"${name === section ? html` aria-current="page"` : ""}>${label}</a></li>`,
  )}</ul></nav>
  <div class="who"><span>Signed in as <strong>${signed.operator}</strong></span>
  <form method="post" action="/admin/logout" class="inline">${csrfField(signed)}<button type="submit">Sign out</button></form></div>
</header>`
    : "";
  const refresh = options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : "";
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}<title>${title} · chat-gateway console</title><link rel="stylesheet" href="/admin/console.css"></head>
<body><a class="skip" href="#main">Skip to content</a>${nav}
<main id="main"><h1>${title}</h1>${content}</main></body></html>`;
  return { status: options.status ?? 200, headers: { ...consoleHeaders, ...options.headers }, body: body.text };
}

/** The hidden field every form of a signed-in page carries. */
export function csrfField(signed: Pick<Signed, "csrf">): Html {
  return html`<input type="hidden" name="csrf" value="${signed.csrf}">`;
}

/** A 303 to a console page, with a short notice shown there. */
export function redirect(location: string, notice?: string): HttpResponse {
  const target = notice
    ? `${location}${location.includes("?") ? "&" : "?"}notice=${encodeURIComponent(notice)}`
    : location;
  return { status: 303, headers: { location: target, "cache-control": "no-store" } };
}

/** The notice a redirect carried, announced to screen readers. */
export function noticeOf(query: URLSearchParams): Html {
  const notice = query.get("notice");
  return notice ? html`<p class="notice" role="status">${notice.slice(0, 300)}</p>` : html``;
}

/** A time as `2026-12-06 11:20:05 UTC`. */
export function when(ms: number | null): string {
  if (ms === null) return "—";
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** How long ago, roughly (`42 s`, `5 min`, `3 h`). */
export function age(ms: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** One line of at most `max` characters. */
export function preview(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
