import type { ExpertSettings, FileSettings, ModelInfo, QueueMode, TriggerSettings } from "./file-schema.js";
import type { McpSettings } from "./mcp-settings.js";

/** The resolved settings the rest of the gateway reads: YAML merged with the environment. */
export interface Config {
  model: {
    baseUrl: string;
    apiKey: string | undefined;
    /** The model for Experts that name none. */
    defaultModel: string | undefined;
    timeoutMs: number;
    /** The longest answer a turn sends; the model is stopped there and the answer marked as cut. */
    maxReplyChars: number;
  };
  models: Record<string, ModelInfo>;
  /** A SQLite file path (resolved), or a `postgres://` URL as given (it may hold a password: print it masked). */
  db: string;
  /** PostgreSQL only: the password when the URL has none (PGPASSWORD, also from `.env`), the pool and statement limits. */
  postgres: { password: string | undefined; poolMax: number; statementTimeoutMs: number };
  host: string;
  port: number;
  logLevel: string;
  maxTurns: number;
  retentionDays: number | undefined;
  queue: { mode: QueueMode; cap: number };
  /** How long a tool call under `ask` waits for a decision before it counts as denied. */
  approvals: { timeoutMs: number };
  experts: ExpertSettings[];
  /** MCP servers whose tools Experts may use (`mcp_servers`). */
  mcp: McpSettings;
  access: { allow: string[]; admins: string[] };
  telegram: {
    token: string | undefined;
    apiRoot: string;
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
    settings: NonNullable<FileSettings["channels"]["telegram"]> | undefined;
  };
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    /** `all`: every message in a thread the bot joined reaches its session; `mentions`: only mentions. */
    replyInThreads: "all" | "mentions";
    settings: NonNullable<FileSettings["channels"]["slack"]> | undefined;
  };
  /** The loopback channel's outbound base URL (tests, benchmarks, integrations). */
  loopbackUrl: string | undefined;
  triggers: TriggerSettings[];
  /** The operator console (`/admin`): off while no operator has a token. */
  console: {
    /** Who may sign in, each with their token (`admin` for GATEWAY_ADMIN_TOKEN); never logged. */
    operators: { name: string; token: string }[];
    secureCookie: boolean;
    sessionMs: number;
  };
  /** Who may read `/metrics` (GATEWAY_METRICS_TOKEN, else GATEWAY_ADMIN_TOKEN); off when unset. */
  metricsToken: string | undefined;
  /** Webhook secrets by the variable each trigger names (`webhook.secret_env`); never logged. */
  webhookSecrets: Record<string, string | undefined>;
  memory: FileSettings["memory"];
  compaction: FileSettings["compaction"];
  budgets: FileSettings["budgets"];
  /** Test-only: the named fault point makes the process exit there. */
  testCrashAt: string | undefined;
  /** Test-only: `PRAGMA max_page_count` of the store's connection (a "full disk" a test controls). */
  testMaxPages: number | undefined;
  /** Where the YAML came from, if any. */
  configPath: string | undefined;
}
