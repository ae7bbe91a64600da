import { ModelError } from "../errors.js";

/**
 * The endpoint as it may be shown: without user info (`user:key@`) or a query
 * string, the two places a URL can carry a secret.
 */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an invalid URL)";
  }
}

/** A message with every URL in it shown as {@link shownUrl} shows it. */
function withoutSecrets(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => shownUrl(url));
}

/** The innermost system error code (ECONNREFUSED, ENOTFOUND, …) or message behind a failure. */
export function rootCause(error: unknown): string | undefined {
  let cause: unknown = error instanceof Error ? error.cause : undefined;
  let found: string | undefined;
  for (let depth = 0; depth < 6 && cause instanceof Error; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    found = typeof code === "string" ? code : withoutSecrets(cause.message).replace(/\s+/g, " ").trim().slice(0, 160);
    cause = cause.cause;
  }
  return found;
}

/**
 * A model failure for an operator at the terminal: the message plus the
 * endpoint's URL and the cause, e.g. "the model endpoint could not be reached
 * (http://127.0.0.1:11434/v1: ECONNREFUSED)". Chat users get only the message.
 */
export function describeModelFailure(error: unknown, baseUrl: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof ModelError) || error.code === "MODEL_ABORTED") return message;
  const cause = error.code === "MODEL_HTTP" ? undefined : rootCause(error);
  return `${message} (${shownUrl(baseUrl)}${cause && !message.includes(cause) ? `: ${cause}` : ""})`;
}
