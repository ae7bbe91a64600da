import { OpenAiModelClient } from "../agent/llm-client.js";
import { readCappedJson } from "./capped-body.js";
import { describeModelFailure, rootCause, shownUrl } from "./model-failure.js";

/** The outcome of asking a live service: what it said, or why it could not be asked. */
export type Probe<T> = { ok: true; value: T } | { ok: false; reason: string };

const PROBE_TIMEOUT_MS = 10_000;

/** The models `GET {baseUrl}/models` lists (what Ollama, vLLM, OpenAI and OpenRouter all answer). */
export async function probeModels(baseUrl: string, apiKey: string | undefined): Promise<Probe<string[]>> {
  const client = new OpenAiModelClient({ baseUrl, apiKey });
  const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  try {
    return { ok: true, value: await client.listModels(signal) };
  } catch (error) {
    if (signal.aborted) {
      return {
        ok: false,
        reason: `the model endpoint did not answer in ${PROBE_TIMEOUT_MS / 1000} s (${shownUrl(baseUrl)})`,
      };
    }
    return { ok: false, reason: describeModelFailure(error, baseUrl) };
  }
}

/** Telegram's `getMe`: the bot's username when the token is valid. The token never appears in a reason. */
export async function probeTelegram(apiRoot: string, token: string): Promise<Probe<{ username: string }>> {
  const answer = await callJson(apiRoot, `${apiRoot}/bot${token}/getMe`, { method: "GET" });
  if (!answer.ok) return answer;
  const body = answer.value as { ok?: boolean; result?: { username?: string }; description?: string };
  if (body.ok === true && typeof body.result?.username === "string") {
    return { ok: true, value: { username: body.result.username } };
  }
  return { ok: false, reason: `Telegram refused the token: ${body.description ?? "no description"}` };
}

/** What Telegram knows about the webhook: the URL it posts to and its last delivery error. */
export interface TelegramWebhookInfo {
  url: string;
  pendingUpdates: number;
  lastError: string | undefined;
}

export async function probeTelegramWebhook(apiRoot: string, token: string): Promise<Probe<TelegramWebhookInfo>> {
  const answer = await callJson(apiRoot, `${apiRoot}/bot${token}/getWebhookInfo`, { method: "GET" });
  if (!answer.ok) return answer;
  const body = answer.value as {
    ok?: boolean;
    result?: { url?: string; pending_update_count?: number; last_error_message?: string };
    description?: string;
  };
  if (body.ok !== true || !body.result) {
    return { ok: false, reason: `Telegram refused getWebhookInfo: ${body.description ?? "no description"}` };
  }
  return {
    ok: true,
    value: {
      url: body.result.url ?? "",
      pendingUpdates: body.result.pending_update_count ?? 0,
      lastError: body.result.last_error_message,
    },
  };
}

/** Slack's `auth.test` with a bot token: the workspace and the bot user's name. */
export async function probeSlack(apiUrl: string, token: string): Promise<Probe<{ team: string; user: string }>> {
  const answer = await callJson(apiUrl, `${apiUrl}auth.test`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
  });
  if (!answer.ok) return answer;
  const body = answer.value as { ok?: boolean; team?: string; user?: string; error?: string };
  if (body.ok === true) return { ok: true, value: { team: body.team ?? "?", user: body.user ?? "?" } };
  return { ok: false, reason: `Slack refused the token: ${body.error ?? "no error code"}` };
}

/** Any HTTP answer from a URL (a webhook the platform must reach); the status does not matter. */
export async function probeReachable(url: string): Promise<Probe<number>> {
  try {
    const response = await fetch(url, { method: "GET", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return { ok: true, value: response.status };
  } catch (error) {
    return { ok: false, reason: `${shownUrl(url)} could not be reached (${causeOf(error)})` };
  }
}

/**
 * A JSON answer from `url`, named in reasons by `shown` only: the Telegram
 * URL holds the token, so it is never the one printed.
 */
async function callJson(shown: string, url: string, init: RequestInit): Promise<Probe<unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (error) {
    return { ok: false, reason: `${shownUrl(shown)} could not be reached (${causeOf(error)})` };
  }
  const body = await readCappedJson(response);
  if (body === undefined) return { ok: false, reason: `${shownUrl(shown)} answered ${response.status} without JSON` };
  return { ok: true, value: body };
}

function causeOf(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer in ${PROBE_TIMEOUT_MS / 1000} s`;
  return rootCause(error) ?? (error instanceof Error ? error.message : String(error));
}
