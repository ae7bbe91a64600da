import { z } from "zod";

const optionalText = z.string().trim().min(1).optional();

const positiveInt = (max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(1).max(max);

/**
 * Every environment variable chat-gateway reads. Empty strings count as unset,
 * so a blank line in `.env` never overrides the YAML.
 */
export const envSchema = z.object({
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_API_KEY: optionalText,
  GATEWAY_MODEL: optionalText,
  GATEWAY_DB: optionalText,
  DATABASE_URL: optionalText,
  PGPASSWORD: optionalText,
  GATEWAY_DB_POOL: positiveInt(1000).optional(),
  GATEWAY_DB_STATEMENT_TIMEOUT: z.coerce.number().positive().max(3600).optional(),
  GATEWAY_CONFIG: optionalText,
  HOST: optionalText,
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  GATEWAY_MAX_TURNS: positiveInt(10_000).optional(),
  GATEWAY_ALLOW: optionalText,
  GATEWAY_RETENTION_DAYS: positiveInt(36_500).optional(),
  GATEWAY_MODEL_TIMEOUT: z.coerce.number().positive().max(3600).optional(),
  GATEWAY_APPROVAL_TIMEOUT: z.coerce.number().positive().max(86_400).optional(),
  GATEWAY_MAX_REPLY_CHARS: z.coerce.number().int().min(100).max(1_000_000).optional(),
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_API_ROOT: z.url().optional(),
  TELEGRAM_WEBHOOK_URL: z.url().optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, "must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    .optional(),
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: z.url().optional(),
  SLACK_REPLY_IN_THREADS: z.enum(["all", "mentions"]).optional(),
  GATEWAY_LOOPBACK_URL: z.url().optional(),
  GATEWAY_ADMIN_TOKEN: optionalText,
  GATEWAY_METRICS_TOKEN: optionalText,
  GATEWAY_TEST_CRASH_AT: optionalText,
  GATEWAY_TEST_MAX_PAGES: z.coerce.number().int().positive().optional(),
});

export type EnvSettings = z.infer<typeof envSchema>;

/** Variables whose values are never printed, not even in error messages. */
export const secretVariables: ReadonlySet<string> = new Set([
  "OPENAI_API_KEY",
  "PGPASSWORD",
  "GATEWAY_DB",
  "DATABASE_URL",
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_APP_TOKEN",
  "GATEWAY_ADMIN_TOKEN",
  "GATEWAY_METRICS_TOKEN",
]);
