import { existsSync } from "node:fs";
import { builtinTools } from "../agent/builtin-tools.js";
import { OpenAiModelClient } from "../agent/llm-client.js";
import type { Config } from "../config/config.js";
import { loadConfig } from "../config/load-config.js";
import { describeError } from "../errors.js";
import { ExpertRegistry } from "../experts/expert-registry.js";
import { openDatabase } from "../store/database.js";
import { loadMigrations, schemaVersion } from "../store/migrator.js";
import { mcpDoctorLines } from "./doctor-mcp.js";

type Check = { name: string; ok: boolean; detail: string };

const setOrUnset = (value: string | undefined) => (value ? "set" : "unset");

/** `gateway doctor`: configuration, database and model endpoint, secrets shown only as set/unset. */
export async function doctorCommand(): Promise<number> {
  const checks: Check[] = [];
  let config: Config | undefined;
  try {
    config = loadConfig();
    checks.push({ name: "config", ok: true, detail: config.configPath ?? "environment only (no GATEWAY_CONFIG)" });
  } catch (error) {
    checks.push({ name: "config", ok: false, detail: describeError(error) });
  }
  if (config) {
    checks.push(expertsCheck(config));
    checks.push(databaseCheck(config.db));
    checks.push(await modelCheck(config));
  }
  for (const check of checks) process.stdout.write(`${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}\n`);
  const toolLines = config ? await mcpDoctorLines(config) : [];
  for (const line of toolLines) process.stdout.write(`${line.level.padEnd(4)}  ${line.name}: ${line.detail}\n`);
  if (config) {
    const lines = [
      `OPENAI_BASE_URL=${config.model.baseUrl}`,
      `OPENAI_API_KEY ${setOrUnset(config.model.apiKey)}`,
      `GATEWAY_MODEL=${config.model.defaultModel ?? "(unset)"}`,
      `GATEWAY_DB=${config.db}`,
      `HOST=${config.host} PORT=${config.port}`,
      `TELEGRAM_BOT_TOKEN ${setOrUnset(config.telegram.token)}, TELEGRAM_API_ROOT=${config.telegram.apiRoot}`,
      `SLACK_BOT_TOKEN ${setOrUnset(config.slack.botToken)}, SLACK_SIGNING_SECRET ${setOrUnset(config.slack.signingSecret)}, SLACK_APP_TOKEN ${setOrUnset(config.slack.appToken)}`,
    ];
    process.stdout.write(`\n${lines.map((line) => `      ${line}`).join("\n")}\n`);
  }
  return checks.every((check) => check.ok) && toolLines.every((line) => line.level !== "FAIL") ? 0 : 1;
}

function expertsCheck(config: Config): Check {
  try {
    const registry = new ExpertRegistry(config, new Set(builtinTools.map((tool) => tool.name)));
    const names = registry.list().map((expert) => `${expert.name} (${expert.model})`);
    return { name: "experts", ok: true, detail: names.join(", ") };
  } catch (error) {
    return { name: "experts", ok: false, detail: describeError(error) };
  }
}

function databaseCheck(path: string): Check {
  const latest = loadMigrations().at(-1)?.version ?? 0;
  if (!existsSync(path))
    return { name: "database", ok: true, detail: `${path} does not exist yet; it is created on first use` };
  try {
    const db = openDatabase(path, { readonly: true });
    try {
      const version = schemaVersion(db);
      if (version > latest) {
        return { name: "database", ok: false, detail: `schema ${version} is newer than this gateway (${latest})` };
      }
      const note = version < latest ? ` (run "gateway migrate" or start the gateway to reach ${latest})` : "";
      return { name: "database", ok: true, detail: `${path}, schema version ${version}${note}` };
    } finally {
      db.close();
    }
  } catch (error) {
    return { name: "database", ok: false, detail: describeError(error) };
  }
}

async function modelCheck(config: Config): Promise<Check> {
  const client = new OpenAiModelClient({ baseUrl: config.model.baseUrl, apiKey: config.model.apiKey });
  try {
    const models = await client.listModels(AbortSignal.timeout(5000));
    const wanted = config.model.defaultModel;
    const listed = wanted ? (models.includes(wanted) ? `, ${wanted} listed` : `, ${wanted} not listed`) : "";
    return {
      name: "model endpoint",
      ok: true,
      detail: `${config.model.baseUrl} answered with ${models.length} models${listed}`,
    };
  } catch (error) {
    return { name: "model endpoint", ok: false, detail: `${config.model.baseUrl}: ${describeError(error)}` };
  }
}
