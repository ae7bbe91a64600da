import type { Config } from "../config/config.js";
import { ConfigError } from "../errors.js";
import type { ExpertRegistry } from "../experts/expert-registry.js";

/** One line of `gateway doctor`: what was checked, how it went, and what to do about it. */
export interface CheckLine {
  level: "ok" | "warn" | "fail";
  name: string;
  detail: string;
  /** What to do; set on warn and fail lines. */
  fix?: string;
}

/**
 * Every `expert:` under `channels:` (the channel's default and each binding's)
 * that names no Expert, as "channels.telegram.bindings[0].expert: …". Such a
 * binding would give every message of that chat the default Expert instead.
 */
export function unknownChannelExperts(config: Config, experts: ExpertRegistry): string[] {
  const known = experts.list().map((expert) => expert.name);
  const problems: string[] = [];
  for (const [channel, settings] of [
    ["telegram", config.telegram.settings],
    ["slack", config.slack.settings],
  ] as const) {
    const named: [string, string | undefined][] = [
      [`channels.${channel}.expert`, settings?.expert],
      ...(settings?.bindings ?? []).map(
        (binding, index) =>
          [`channels.${channel}.bindings[${index}].expert`, binding.expert] as [string, string | undefined],
      ),
    ];
    for (const [path, name] of named) {
      if (name !== undefined && !known.includes(name)) {
        problems.push(`${path}: no Expert "${name}" (known: ${known.join(", ")})`);
      }
    }
  }
  return problems;
}

/** `gateway start` refuses a channel binding to an unknown Expert, as it refuses such a trigger. */
export function assertChannelExperts(config: Config, experts: ExpertRegistry): void {
  const [first] = unknownChannelExperts(config, experts);
  if (first) throw new ConfigError(first);
}

/** Triggers naming an unknown Expert, and webhooks whose secret variable is unset: `start` refuses both. */
export function triggerChecks(config: Config, experts: ExpertRegistry): CheckLine[] {
  if (config.triggers.length === 0) return [{ level: "ok", name: "triggers", detail: "none configured" }];
  const lines: CheckLine[] = [];
  for (const trigger of config.triggers) {
    const name = `trigger ${trigger.name}`;
    if (trigger.expert !== undefined && !experts.get(trigger.expert)) {
      lines.push({
        level: "fail",
        name,
        detail: `no Expert "${trigger.expert}" (known: ${experts
          .list()
          .map((expert) => expert.name)
          .join(", ")})`,
        fix: "name a known Expert under triggers[].expert, or define it under experts:",
      });
      continue;
    }
    if (trigger.webhook && !config.webhookSecrets[trigger.webhook.secret_env]?.trim()) {
      lines.push({
        level: "fail",
        name,
        detail: `${trigger.webhook.secret_env} (its webhook secret) is not set`,
        fix: `set ${trigger.webhook.secret_env} in the environment or .env (e.g. openssl rand -hex 32)`,
      });
      continue;
    }
    const fires = [trigger.schedule ? "schedule" : "", trigger.webhook ? `POST /hooks/${trigger.name}` : ""];
    lines.push({
      level: "ok",
      name,
      detail: `Expert ${trigger.expert ?? "default"}, ${fires.filter(Boolean).join(" + ")}`,
    });
  }
  return lines;
}

/** Which channels the environment enables, and what `start` would refuse about them. */
export function channelChecks(config: Config, experts: ExpertRegistry): CheckLine[] {
  const lines: CheckLine[] = [];
  for (const problem of unknownChannelExperts(config, experts)) {
    lines.push({
      level: "fail",
      name: "channel binding",
      detail: problem,
      fix: "name a known Expert there, or define it under experts:",
    });
  }
  if (config.slack.botToken && !config.slack.appToken && !config.slack.signingSecret) {
    lines.push({
      level: "fail",
      name: "slack",
      detail: "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP) is",
      fix: "set SLACK_APP_TOKEN (xapp-…, connections:write) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP",
    });
  }
  if (!config.telegram.token && !config.slack.botToken && !config.loopbackUrl) {
    lines.push({
      level: "warn",
      name: "channels",
      detail: "no channel is configured; start serves only /healthz",
      fix: 'run "gateway init", or set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN',
    });
  }
  if (config.access.allow.includes("*")) {
    lines.push({
      level: "warn",
      name: "access",
      detail: "GATEWAY_ALLOW=* (or access.allow: ['*']) admits everyone who can reach the bot",
      fix: "list the people or chats instead, or admit them with gateway access allow CHANNEL:ID",
    });
  }
  return lines;
}
