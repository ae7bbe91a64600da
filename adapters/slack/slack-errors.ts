import { webApi } from "@slack/bolt";
import { ChannelError } from "../../src/gateway/channel.js";

/** Platform errors that say "try again later", not "this will never work". */
const TRANSIENT_ERRORS = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/**
 * Translates a Web API failure so the core decides what to retry: 429 → RATE_LIMITED with Slack's
 * `Retry-After`, 5xx and network failures → TRANSIENT, `ok: false` errors → PERMANENT (mostly).
 */
export function toChannelError(error: unknown, method: string): ChannelError {
  if (error instanceof ChannelError) return error;
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new ChannelError("RATE_LIMITED", `${method}: rate limited`, {
      retryAfterMs: Math.max(1, error.retryAfter) * 1000,
      cause: error,
    });
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = error.data.error;
    if (code === "ratelimited") return new ChannelError("RATE_LIMITED", `${method}: ${code}`, { retryAfterMs: 1000 });
    return new ChannelError(TRANSIENT_ERRORS.has(code) ? "TRANSIENT" : "PERMANENT", `${method}: ${code}`, {
      cause: error,
    });
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    const kind = error.statusCode >= 500 || error.statusCode === 408 ? "TRANSIENT" : "PERMANENT";
    return new ChannelError(kind, `${method}: HTTP ${error.statusCode}`, { cause: error });
  }
  return new ChannelError("TRANSIENT", `${method}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** The call may have reached Slack (a 5xx, a timeout, a dropped connection): a post may exist. */
export function isAmbiguous(error: ChannelError): boolean {
  return error.code === "TRANSIENT";
}

/** The Web API's `error` string of a platform error (`not_allowed`, `invalid_auth`), if it is one. */
export function platformErrorOf(error: unknown): string | undefined {
  const cause = error instanceof ChannelError ? error.cause : error;
  return cause instanceof webApi.WebAPIPlatformError ? cause.data.error : undefined;
}
