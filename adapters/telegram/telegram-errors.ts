import { GrammyError, HttpError } from "grammy";
import { ChannelError } from "../../src/gateway/channel.js";

/**
 * Translates what grammY threw into the core's ChannelError: 429 → RATE_LIMITED (with Telegram's
 * `retry_after`), 5xx and network failures → TRANSIENT, every other API error (403 blocked or kicked,
 * 400 chat not found, …) → PERMANENT, since sending it again would fail the same way.
 */
export function toChannelError(error: unknown, method: string): ChannelError {
  if (error instanceof ChannelError) return error;
  if (error instanceof GrammyError) {
    const message = `${method}: ${error.error_code} ${error.description}`;
    if (error.error_code === 429) {
      const seconds = error.parameters.retry_after ?? 1;
      return new ChannelError("RATE_LIMITED", message, { retryAfterMs: seconds * 1000, cause: error });
    }
    const code = error.error_code >= 500 ? "TRANSIENT" : "PERMANENT";
    return new ChannelError(code, message, { cause: error });
  }
  if (error instanceof HttpError) return new ChannelError("TRANSIENT", `${method}: ${error.message}`, { cause: error });
  return new ChannelError("TRANSIENT", `${method}: ${(error as Error).message ?? String(error)}`, { cause: error });
}

function apiError(error: unknown, code: number, pattern: RegExp): boolean {
  return error instanceof GrammyError && error.error_code === code && pattern.test(error.description);
}

/** The HTML we sent did not parse: resend once as plain text. */
export const cannotParseEntities = (error: unknown): boolean => apiError(error, 400, /can't parse entities/i);

/** An edit to the text the message already shows: nothing to do. */
export const notModified = (error: unknown): boolean => apiError(error, 400, /message is not modified/i);

/** The chat is gone for us: the user blocked the bot, we were kicked, or the chat does not exist. */
export const chatUnreachable = (error: unknown): boolean =>
  (error instanceof GrammyError && error.error_code === 403) || apiError(error, 400, /chat not found/i);

/** The group became a supergroup with a new id (`parameters.migrate_to_chat_id`). */
export function migratedTo(error: unknown): number | undefined {
  return error instanceof GrammyError && error.error_code === 400 ? error.parameters.migrate_to_chat_id : undefined;
}

/** Errors polling cannot recover from by waiting: say what to fix instead of looping. */
export function fatalPollingError(error: unknown): string | undefined {
  if (!(error instanceof GrammyError)) return undefined;
  if (error.error_code === 409)
    return `Telegram answered 409 Conflict: another poller or a webhook is using this bot token (${error.description})`;
  if (error.error_code === 401) return "Telegram answered 401 Unauthorized: TELEGRAM_BOT_TOKEN was refused";
  return undefined;
}

/** How long Telegram asked us to wait, if it did. */
export function retryAfterMs(error: unknown): number | undefined {
  const seconds = error instanceof GrammyError ? error.parameters.retry_after : undefined;
  return seconds === undefined ? undefined : seconds * 1000;
}
