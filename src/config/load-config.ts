import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { DEFAULT_MAX_REPLY_CHARS } from "../agent/reply-limit.js";
import { ConfigError } from "../errors.js";
import { secrets } from "../secrets/secret-registry.js";
import type { Config } from "./config.js";
import { envSchema, secretVariables } from "./env-schema.js";
import { type FileSettings, fileSchema } from "./file-schema.js";
import { resolveMcpSettings } from "./mcp-settings.js";

export interface LoadConfigOptions {
  /** The process environment; `.env` in `cwd` fills what it leaves unset. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Reads `.env`, the environment and the YAML named by GATEWAY_CONFIG, validates
 * all of it and merges it; an environment variable wins over its YAML twin.
 * Throws a {@link ConfigError} naming the variable, or the YAML path and line.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const raw = { ...readDotEnv(cwd), ...withoutEmpty(options.env ?? process.env) };
  const env = parseEnvironment(raw);
  const configPath = env.GATEWAY_CONFIG ? resolve(cwd, env.GATEWAY_CONFIG) : undefined;
  const file = configPath ? readYaml(configPath) : fileSchema.parse({});
  const allow = env.GATEWAY_ALLOW !== undefined ? splitList(env.GATEWAY_ALLOW) : file.access.allow;
  for (const entry of allow) {
    if (entry !== "*" && !/^(telegram|slack|cli):[^\s]+$/.test(entry)) {
      throw new ConfigError(`GATEWAY_ALLOW: "${entry}" must look like telegram:12345, slack:U0123 or *`);
    }
  }
  const config: Config = {
    model: {
      baseUrl: env.OPENAI_BASE_URL ?? file.model.base_url ?? "https://api.openai.com/v1",
      apiKey: env.OPENAI_API_KEY,
      defaultModel: env.GATEWAY_MODEL ?? file.model.default,
      timeoutMs: Math.round((env.GATEWAY_MODEL_TIMEOUT ?? file.model.timeout_seconds ?? 120) * 1000),
      maxReplyChars: env.GATEWAY_MAX_REPLY_CHARS ?? file.model.max_reply_chars ?? DEFAULT_MAX_REPLY_CHARS,
    },
    models: file.models,
    db: databaseSetting(cwd, env.GATEWAY_DB ?? file.gateway.db ?? env.DATABASE_URL ?? "./data/gateway.db"),
    postgres: {
      password: env.PGPASSWORD,
      poolMax: env.GATEWAY_DB_POOL ?? 10,
      statementTimeoutMs: Math.round((env.GATEWAY_DB_STATEMENT_TIMEOUT ?? 30) * 1000),
    },
    host: env.HOST ?? file.gateway.host ?? "127.0.0.1",
    port: env.PORT ?? file.gateway.port ?? 8787,
    logLevel: env.LOG_LEVEL ?? file.gateway.log_level ?? "info",
    maxTurns: env.GATEWAY_MAX_TURNS ?? file.gateway.max_turns ?? 16,
    retentionDays: env.GATEWAY_RETENTION_DAYS ?? file.gateway.retention_days,
    queue: file.queue,
    approvals: { timeoutMs: (env.GATEWAY_APPROVAL_TIMEOUT ?? file.approvals.timeout_seconds) * 1000 },
    experts: file.experts,
    mcp: resolveMcpSettings(file.mcp_servers, raw, cwd),
    access: { allow, admins: file.access.admins },
    telegram: {
      token: env.TELEGRAM_BOT_TOKEN,
      apiRoot: trimSlash(env.TELEGRAM_API_ROOT ?? file.channels.telegram?.api_root ?? "https://api.telegram.org"),
      webhookUrl: env.TELEGRAM_WEBHOOK_URL ?? file.channels.telegram?.webhook_url,
      webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
      settings: file.channels.telegram,
    },
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: withSlash(env.SLACK_API_URL ?? file.channels.slack?.api_url ?? "https://slack.com/api/"),
      replyInThreads: env.SLACK_REPLY_IN_THREADS ?? file.channels.slack?.reply_in_threads ?? "all",
      settings: file.channels.slack,
    },
    loopbackUrl: env.GATEWAY_LOOPBACK_URL,
    triggers: file.triggers,
    webhookSecrets: Object.fromEntries(
      file.triggers
        .flatMap((trigger) => (trigger.webhook ? [trigger.webhook.secret_env] : []))
        .map((name) => [name, raw[name]]),
    ),
    console: {
      operators: [
        ...(env.GATEWAY_ADMIN_TOKEN ? [{ name: "admin", token: env.GATEWAY_ADMIN_TOKEN }] : []),
        ...file.console.operators.flatMap(({ name, token_env }) => {
          const token = raw[token_env]?.trim();
          return token ? [{ name, token }] : [];
        }),
      ],
      secureCookie: file.console.secure_cookie,
      sessionMs: Math.round(file.console.session_hours * 3600_000),
    },
    metricsToken: env.GATEWAY_METRICS_TOKEN ?? env.GATEWAY_ADMIN_TOKEN,
    memory: file.memory,
    compaction: file.compaction,
    budgets: file.budgets,
    testCrashAt: env.GATEWAY_TEST_CRASH_AT,
    testMaxPages: env.GATEWAY_TEST_MAX_PAGES,
    configPath,
  };
  registerSecrets(config);
  return config;
}

/**
 * Every secret the configuration holds joins the process's registry as soon as
 * it is read, so no log line or error text written after this shows one.
 */
function registerSecrets(config: Config): void {
  secrets
    .add(config.model.apiKey)
    .add(config.telegram.token)
    .add(config.telegram.webhookSecret)
    .add(config.slack.botToken)
    .add(config.slack.appToken)
    .add(config.slack.signingSecret);
  for (const value of Object.values(config.webhookSecrets)) secrets.add(value);
  for (const operator of config.console.operators) secrets.add(operator.token);
  secrets.add(config.metricsToken);
  // MCP header and env values (tokens for a tracker, a GitHub token for a child server).
  for (const value of config.mcp.secrets()) secrets.add(value);
  // The PostgreSQL password, from PGPASSWORD or from the URL itself.
  secrets.add(config.postgres.password).add(urlPassword(config.db));
}

/** The password a database URL carries, decoded; undefined for a file path or a URL without one. */
function urlPassword(db: string): string | undefined {
  if (!isPostgresUrl(db)) return undefined;
  try {
    const password = new URL(db).password;
    return password === "" ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/** A `postgres://` (or `postgresql://`) URL stays as it is; anything else is a SQLite path, resolved. */
function databaseSetting(cwd: string, value: string): string {
  return isPostgresUrl(value) ? value : resolve(cwd, value);
}

/** True for a PostgreSQL connection URL (the setting that chooses the PostgreSQL backend). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

function readDotEnv(cwd: string): Record<string, string> {
  const path = resolve(cwd, ".env");
  if (!existsSync(path)) return {};
  try {
    return parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
  } catch (error) {
    throw new ConfigError(`.env: cannot be read (${(error as Error).message})`, { cause: error });
  }
}

function parseEnvironment(raw: Record<string, string | undefined>) {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = raw[key];
    if (value !== undefined && value.trim() !== "") relevant[key] = value.trim();
  }
  const result = envSchema.safeParse(relevant);
  if (result.success) return result.data;
  const issue = firstIssue(result.error);
  const variable = String(issue.path[0]);
  const shown = secretVariables.has(variable) ? "" : ` (got "${relevant[variable]}")`;
  throw new ConfigError(`${variable}: ${issue.message}${shown}`);
}

function readYaml(path: string): FileSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`GATEWAY_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = lineCounter.linePos(syntax.pos[0]);
    throw new ConfigError(`${path}:${at.line}: ${syntax.message.split("\n")[0]}`);
  }
  const result = fileSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = firstIssue(result.error);
  const keys = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  // An unknown key is reported at its own line, not at the start of its section.
  const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  const line = lineOf(doc, lineCounter, unknownKey === undefined ? keys : [...keys, unknownKey]);
  const where = keys.length > 0 ? keys.join(".") : "(top level)";
  throw new ConfigError(`${path}${line ? `:${line}` : ""}: ${where}: ${issue.message}`);
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: (string | number)[]) {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}

function firstIssue(error: z.ZodError) {
  const issue = error.issues[0];
  if (!issue) throw new ConfigError("invalid configuration");
  return issue;
}

function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== "") result[key] = value;
  return result;
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
