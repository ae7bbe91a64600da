import { createHash, timingSafeEqual } from "node:crypto";
import type { TriggerSettings } from "../config/file-schema.js";
import { ConfigError } from "../errors.js";
import { HttpError, type HttpRequest, type HttpResponse, type HttpServer, parseJson } from "../http/http-server.js";
import { passesFilter } from "./payload.js";
import type { Triggers } from "./triggers.js";

/** Webhook bodies larger than this get 413. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

/**
 * Mounts `POST /hooks/NAME` for every trigger with a webhook. The secret is
 * read from the environment variable the YAML names; an unset one is a
 * configuration error, so a webhook is never open by mistake.
 */
export function mountWebhooks(
  http: Pick<HttpServer, "route">,
  triggers: Triggers,
  settings: readonly TriggerSettings[],
  secrets: Readonly<Record<string, string | undefined>>,
): void {
  for (const trigger of settings) {
    if (!trigger.webhook) continue;
    const secret = secrets[trigger.webhook.secret_env]?.trim();
    if (!secret) {
      throw new ConfigError(`trigger ${trigger.name}: ${trigger.webhook.secret_env} (its webhook secret) is not set`);
    }
    const filter = trigger.webhook.filter;
    http.route(
      "POST",
      `/hooks/${trigger.name}`,
      (request) => handle(request, { trigger: trigger.name, secret, filter, triggers }),
      { bodyLimit: WEBHOOK_BODY_LIMIT },
    );
  }
}

async function handle(
  request: HttpRequest,
  hook: {
    trigger: string;
    secret: string;
    filter: NonNullable<TriggerSettings["webhook"]>["filter"];
    triggers: Triggers;
  },
): Promise<HttpResponse> {
  if (!bearerMatches(request.headers.authorization, hook.secret)) throw new HttpError(401, "wrong or missing secret");
  const payload = request.body.length === 0 ? {} : parseJson(request);
  if (!passesFilter(hook.filter, payload)) return { status: 200, body: { skipped: "filter" } };
  const key = request.headers["idempotency-key"];
  if (Array.isArray(key) || (key !== undefined && (key.length === 0 || key.length > 256))) {
    throw new HttpError(400, "Idempotency-Key must be one value of 1-256 characters");
  }
  const { run } = await hook.triggers.fire(hook.trigger, {
    source: "webhook",
    payload,
    ...(key !== undefined ? { idempotencyKey: `webhook:${key}` } : {}),
  });
  if (run.status === "skipped") return { status: 200, body: { skipped: run.error ?? "skipped", run_id: run.id } };
  return { status: 202, body: { run_id: run.id, session_id: run.sessionId } };
}

/** Compares `Bearer SECRET` in constant time (digests of equal length, whatever was sent). */
function bearerMatches(header: string | undefined, secret: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(header ?? ""), digest(`Bearer ${secret}`));
}
