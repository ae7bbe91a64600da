import { builtinTools } from "../agent/builtin-tools.js";
import type { Config } from "../config/config.js";
import { loadConfig } from "../config/load-config.js";
import { describeError } from "../errors.js";
import { ExpertRegistry } from "../experts/expert-registry.js";
import type { StoreBackend } from "../store/store-backend.js";
import { type CheckLine, channelChecks, triggerChecks } from "./config-checks.js";
import { storeBackend } from "./configured-store.js";
import { mcpDoctorLines } from "./doctor-mcp.js";
import { modelChecks, portCheck, slackChecks, telegramChecks } from "./live-doctor-checks.js";
import { shownUrl } from "./model-failure.js";

const setOrUnset = (value: string | undefined) => (value ? "set" : "unset");
const labels = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const;

/**
 * `gateway doctor`: every check `start` makes before it runs (configuration,
 * Experts, channel bindings, triggers and their webhook secrets, the database,
 * the port), plus live ones: the endpoint lists each Expert's model, the
 * channel tokens are valid, a webhook URL answers. One line each, ok / warn /
 * FAIL with the fix; exit code 1 on any FAIL. Secrets show only as set/unset.
 */
export async function doctorCommand(): Promise<number> {
  const checks: CheckLine[] = [];
  let config: Config | undefined;
  let backend: StoreBackend | undefined;
  try {
    config = loadConfig();
    checks.push({ level: "ok", name: "config", detail: config.configPath ?? "environment only (no GATEWAY_CONFIG)" });
  } catch (error) {
    checks.push({ level: "fail", name: "config", detail: describeError(error), fix: "correct the named setting" });
  }
  if (config) {
    let experts: ExpertRegistry | undefined;
    try {
      experts = new ExpertRegistry(config, new Set(builtinTools.map((tool) => tool.name)));
      const names = experts.list().map((expert) => `${expert.name} (${expert.model})`);
      checks.push({ level: "ok", name: "experts", detail: names.join(", ") });
    } catch (error) {
      checks.push({ level: "fail", name: "experts", detail: describeError(error), fix: "see experts: in the YAML" });
    }
    if (experts) checks.push(...channelChecks(config, experts), ...triggerChecks(config, experts));
    backend = await storeBackend(config);
    checks.push(await databaseCheck(backend));
    const [model, telegram, slack, port] = await Promise.all([
      modelChecks(config, experts),
      telegramChecks(config),
      slackChecks(config),
      portCheck(config),
    ]);
    checks.push(...model, ...telegram, ...slack, port, ...(await mcpDoctorLines(config)));
  }
  for (const check of checks) {
    const fix = check.fix && check.level !== "ok" ? ` → ${check.fix}` : "";
    process.stdout.write(`${labels[check.level]}  ${check.name}: ${check.detail}${fix}\n`);
  }
  if (config) {
    const lines = [
      `OPENAI_BASE_URL=${shownUrl(config.model.baseUrl)}`,
      `OPENAI_API_KEY ${setOrUnset(config.model.apiKey)}`,
      `GATEWAY_MODEL=${config.model.defaultModel ?? "(unset)"}`,
      `GATEWAY_DB=${backend?.location ?? "(unset)"}`,
      `HOST=${config.host} PORT=${config.port}`,
      `TELEGRAM_BOT_TOKEN ${setOrUnset(config.telegram.token)}, TELEGRAM_API_ROOT=${shownUrl(config.telegram.apiRoot)}`,
      `SLACK_BOT_TOKEN ${setOrUnset(config.slack.botToken)}, SLACK_SIGNING_SECRET ${setOrUnset(config.slack.signingSecret)}, SLACK_APP_TOKEN ${setOrUnset(config.slack.appToken)}`,
    ];
    process.stdout.write(`\n${lines.map((line) => `      ${line}`).join("\n")}\n`);
  }
  return checks.some((check) => check.level === "fail") ? 1 : 0;
}

async function databaseCheck(backend: StoreBackend): Promise<CheckLine> {
  const path = backend.location;
  try {
    const status = await backend.inspect();
    if (!status) {
      return { level: "ok", name: "database", detail: `${path} does not exist yet; it is created on first use` };
    }
    const { version, latest, pending, unknown } = status;
    if (unknown.length > 0) {
      return {
        level: "fail",
        name: "database",
        detail: `${path} records ${unknown.join(", ")}, which this gateway (schema ${latest}) has no file for: a newer gateway migrated it`,
        fix: "run the newer gateway that wrote it, or point GATEWAY_DB elsewhere",
      };
    }
    const server = backend.describe ? `; ${await backend.describe()}` : "";
    if (pending.length > 0) {
      return {
        level: "warn",
        name: "database",
        detail: `${path}, schema version ${version} (this gateway has ${latest}; not applied: ${pending.join(", ")})${server}`,
        fix: 'run "gateway migrate", or start the gateway (it migrates first)',
      };
    }
    return { level: "ok", name: "database", detail: `${path}, schema version ${version}${server}` };
  } catch (error) {
    return { level: "fail", name: "database", detail: describeError(error), fix: "check GATEWAY_DB and its folder" };
  }
}
