import { createServer } from "node:net";
import type { Config } from "../config/config.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";
import type { CheckLine } from "./config-checks.js";
import { probeModels, probeReachable, probeSlack, probeTelegram, probeTelegramWebhook } from "./live-checks.js";
import { shownUrl } from "./model-failure.js";
import { askRunningGateway } from "./running-gateway.js";

/** The endpoint answers, and lists every model an Expert uses (else `run` gets a 404 later). */
export async function modelChecks(config: Config, experts: ExpertRegistry | undefined): Promise<CheckLine[]> {
  const url = shownUrl(config.model.baseUrl);
  const listed = await probeModels(config.model.baseUrl, config.model.apiKey);
  if (!listed.ok) {
    return [
      {
        level: "fail",
        name: "model endpoint",
        detail: listed.reason,
        fix: "check OPENAI_BASE_URL (model.base_url) and OPENAI_API_KEY; is the server running?",
      },
    ];
  }
  const lines: CheckLine[] = [];
  const wanted = config.model.defaultModel;
  const note = wanted ? `, ${wanted} ${listed.value.includes(wanted) ? "listed" : "not listed"}` : "";
  lines.push({
    level: "ok",
    name: "model endpoint",
    detail: `${url} answered with ${listed.value.length} models${note}`,
  });
  const byModel = new Map<string, string[]>();
  for (const expert of experts?.list() ?? [])
    byModel.set(expert.model, [...(byModel.get(expert.model) ?? []), expert.name]);
  for (const [model, names] of byModel) {
    if (listed.value.includes(model)) {
      lines.push({ level: "ok", name: `model ${model}`, detail: `listed; used by ${names.join(", ")}` });
      continue;
    }
    const some = listed.value.slice(0, 8).join(", ");
    lines.push({
      level: "fail",
      name: `model ${model}`,
      detail: `${url} does not list it (used by ${names.join(", ")}); it lists ${some || "nothing"}${listed.value.length > 8 ? ", …" : ""}`,
      fix: "set GATEWAY_MODEL (or experts[].model) to a model the endpoint lists",
    });
  }
  return lines;
}

/** The bot token is valid (getMe); in webhook mode, the URL answers and Telegram's last delivery error. */
export async function telegramChecks(config: Config): Promise<CheckLine[]> {
  const { token, apiRoot, webhookUrl } = config.telegram;
  if (!token) return [];
  const me = await probeTelegram(apiRoot, token);
  if (!me.ok) {
    return [
      {
        level: "fail",
        name: "telegram",
        detail: me.reason,
        fix: "copy the token from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN",
      },
    ];
  }
  const mode = webhookUrl ? `webhook ${shownUrl(webhookUrl)}` : "long polling";
  const lines: CheckLine[] = [{ level: "ok", name: "telegram", detail: `@${me.value.username}, ${mode}` }];
  if (!webhookUrl) return lines;
  const reachable = await probeReachable(webhookUrl);
  lines.push(
    reachable.ok
      ? { level: "ok", name: "telegram webhook", detail: `${shownUrl(webhookUrl)} answers (HTTP ${reachable.value})` }
      : {
          level: "warn",
          name: "telegram webhook",
          detail: reachable.reason,
          fix: "Telegram must reach it over HTTPS: route it (nginx, see deploy/) to POST /telegram/webhook of the gateway",
        },
  );
  const info = await probeTelegramWebhook(apiRoot, token);
  if (info.ok && info.value.lastError && info.value.url === webhookUrl) {
    lines.push({
      level: "warn",
      name: "telegram webhook",
      detail: `Telegram's last delivery failed: ${info.value.lastError} (${info.value.pendingUpdates} updates waiting)`,
      fix: "check the proxy in front of the gateway and that gateway start is running",
    });
  }
  return lines;
}

/** The bot token is valid (auth.test). */
export async function slackChecks(config: Config): Promise<CheckLine[]> {
  const { botToken, apiUrl, appToken } = config.slack;
  if (!botToken) return [];
  const auth = await probeSlack(apiUrl, botToken);
  if (!auth.ok) {
    return [
      {
        level: "fail",
        name: "slack",
        detail: auth.reason,
        fix: "copy the Bot User OAuth Token (xoxb-…) of the app made from manifest.yml into SLACK_BOT_TOKEN",
      },
    ];
  }
  const mode = appToken ? "Socket Mode" : "HTTP (Events API)";
  return [{ level: "ok", name: "slack", detail: `${auth.value.user} in ${auth.value.team}, ${mode}` }];
}

/** HOST:PORT is free, or held by a running gateway; anything else there makes `start` fail. */
export async function portCheck(config: Config): Promise<CheckLine> {
  const running = await askRunningGateway(config);
  if ("health" in running) {
    const version = running.health.version ? ` ${running.health.version}` : "";
    return { level: "ok", name: "port", detail: `a gateway${version} is running at ${running.url}` };
  }
  const taken = await new Promise<string | undefined>((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(config.port, config.host, () => server.close(() => resolve(undefined)));
  });
  if (taken === undefined) return { level: "ok", name: "port", detail: `${config.host}:${config.port} is free` };
  return {
    level: "fail",
    name: "port",
    detail: `${config.host}:${config.port} cannot be bound (${taken}), and no gateway answers there`,
    fix: "stop what holds it, or set PORT (gateway.port) to another port",
  };
}
