import { chmodSync, existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { UsageError } from "../errors.js";

/** What `gateway init` settled on; every token here was checked live. */
export interface InitAnswers {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  telegram: { token: string; apiRoot: string | undefined } | undefined;
  slack: { botToken: string; appToken: string; apiUrl: string | undefined } | undefined;
}

export const ENV_FILE = ".env";
export const YAML_FILE = "gateway.yml";

/** Refuses to overwrite an earlier setup unless asked to. */
export function assertWritable(dir: string, force: boolean): void {
  const existing = [ENV_FILE, YAML_FILE].filter((name) => existsSync(join(dir, name)));
  if (existing.length > 0 && !force) {
    const verb = existing.length === 1 ? "exists" : "exist";
    throw new UsageError(`${existing.join(" and ")} already ${verb} in ${dir}; pass --force to replace them`);
  }
}

/**
 * Writes `.env` (the secrets, mode 0600, created that way so it is never
 * readable by others, not even briefly) and a starter `gateway.yml` with the
 * rest. Each file is written beside its place and renamed over it.
 */
export function writeSetup(dir: string, answers: InitAnswers): void {
  replace(join(dir, ENV_FILE), envText(answers), 0o600);
  replace(join(dir, YAML_FILE), yamlText(answers), 0o644);
}

function replace(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode, flag: "wx" });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

function envLine(name: string, value: string): string {
  // Checked tokens are single words; refuse anything a .env line could not hold plainly.
  if (!/^[\x21-\x7e]+$/.test(value) || /["'`#\\]/.test(value)) {
    throw new UsageError(`${name} has characters a .env line cannot hold; set it in the environment instead`);
  }
  return `${name}=${value}`;
}

function envText(answers: InitAnswers): string {
  const lines = [
    "# Written by gateway init. Secrets only (keep this file mode 0600); settings are in gateway.yml.",
    `GATEWAY_CONFIG=${YAML_FILE}`,
  ];
  if (answers.apiKey) lines.push(envLine("OPENAI_API_KEY", answers.apiKey));
  if (answers.telegram) lines.push(envLine("TELEGRAM_BOT_TOKEN", answers.telegram.token));
  if (answers.slack) {
    lines.push(envLine("SLACK_BOT_TOKEN", answers.slack.botToken), envLine("SLACK_APP_TOKEN", answers.slack.appToken));
  }
  return `${lines.join("\n")}\n`;
}

function yamlText(answers: InitAnswers): string {
  const channels: Record<string, Record<string, string>> = {};
  if (answers.telegram?.apiRoot) channels.telegram = { api_root: answers.telegram.apiRoot };
  if (answers.slack?.apiUrl) channels.slack = { api_url: answers.slack.apiUrl };
  const settings = {
    model: { base_url: answers.baseUrl, default: answers.model },
    gateway: { db: "./data/gateway.db", host: "127.0.0.1", port: 8787 },
    ...(Object.keys(channels).length > 0 ? { channels } : {}),
  };
  return [
    "# Starter configuration written by gateway init; secrets are in .env.",
    "# Every key (Experts, queue modes, access, triggers, memory, budgets) is shown in gateway.example.yml,",
    "# which ships with the package. Check a change with: gateway doctor",
    stringify(settings).trimEnd(),
    "",
  ].join("\n");
}
