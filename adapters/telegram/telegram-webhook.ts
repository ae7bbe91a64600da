import { createHash, timingSafeEqual } from "node:crypto";
import type { Update } from "grammy/types";
import { AcceptError } from "../../src/gateway/channel.js";
import { HttpError, type HttpRequest, type HttpResponse, parseJson } from "../../src/http/http-server.js";

export const WEBHOOK_PATH = "/telegram/webhook";
const SECRET_HEADER = "x-telegram-bot-api-secret-token";

export interface WebhookOptions {
  /** The `secret_token` given to setWebhook; every request must carry it. */
  secret: string | undefined;
  running: () => boolean;
  /** Commits the update; throws AcceptError when it could not be stored. */
  handle: (update: Update) => Promise<void>;
}

/**
 * The route Telegram posts updates to. It answers 200 as soon as the update is committed (the turn
 * runs later): Telegram resends on non-2xx and holds the chat's later updates meanwhile, so a 503
 * when the store refused is what makes it try again.
 */
export function webhookHandler(options: WebhookOptions): (request: HttpRequest) => Promise<HttpResponse> {
  return async (request) => {
    if (options.secret !== undefined && !sameSecret(request.headers[SECRET_HEADER], options.secret)) {
      throw new HttpError(401, "missing or wrong secret token");
    }
    if (!options.running()) throw new HttpError(503, "the channel is not running");
    const update = parseJson(request);
    if (!isUpdate(update)) throw new HttpError(400, "not a Telegram update");
    try {
      await options.handle(update);
    } catch (error) {
      if (error instanceof AcceptError) throw new HttpError(503, "not stored; try again");
      throw error;
    }
    return { status: 200, body: { ok: true } };
  };
}

/** Compares digests, so neither the content nor the length of the secret leaks through timing. */
function sameSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== "string") return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(secret));
}

function isUpdate(value: unknown): value is Update {
  return (
    typeof value === "object" &&
    value !== null &&
    "update_id" in value &&
    typeof (value as { update_id: unknown }).update_id === "number"
  );
}
