import type { HttpRequest } from "../http/http-server.js";

/** The fields of a posted form (`application/x-www-form-urlencoded`), the last value of each. */
export function formOf(request: HttpRequest): URLSearchParams {
  return new URLSearchParams(request.body.toString("utf8"));
}

/** The request's cookies by name. */
export function cookiesOf(request: HttpRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  const header = request.headers.cookie ?? "";
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/** A cookie for the console's paths only: never readable by scripts, never sent from another site. */
export function cookie(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  return [
    `${name}=${value}`,
    "Path=/admin",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}
