import { z } from "zod";
import { scheduleProblem } from "../triggers/cron-schedule.js";

/** How messages that arrive while a turn runs are handled. */
export const queueModes = ["collect", "followup", "steer", "interrupt"] as const;
export type QueueMode = (typeof queueModes)[number];

/** What happens when the model calls a tool: run it, ask a person first (an approval request), or never offer it. */
export const toolPolicies = ["auto", "ask", "deny"] as const;
export type ToolPolicy = (typeof toolPolicies)[number];

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be lowercase letters, digits, _ or - (max 64)");

const principal = z
  .string()
  .regex(/^(telegram|slack|cli):[^\s,]+$/, 'must look like "telegram:12345" or "slack:U0123"');

const expertSchema = z.strictObject({
  name,
  description: z.string().default(""),
  instructions: z.string().default(""),
  model: z.string().min(1).optional(),
  tools: z.array(z.string().min(1)).default([]),
  max_steps: z.number().int().min(1).max(100).optional(),
  temperature: z.number().min(0).max(2).optional(),
  mode: z.enum(queueModes).optional(),
  memory: z.boolean().default(true),
  /** Tool name patterns (`files.*`) → `auto` (run), `ask` (approve in chat first), `deny` (hidden). */
  tool_policies: z.record(z.string().min(1), z.enum(toolPolicies)).optional(),
  /** What the Expert says when someone opens a Slack assistant thread. */
  greeting: z.string().min(1).max(3000).optional(),
  /** Prompts Slack offers in a new assistant thread (at most 4). */
  suggested_prompts: z
    .array(z.strictObject({ title: z.string().min(1).max(75), message: z.string().min(1).max(3000) }))
    .max(4)
    .optional(),
});

const allowListSchema = z.strictObject({
  users: z.array(z.coerce.string()).default([]),
  chats: z.array(z.coerce.string()).default([]),
  teams: z.array(z.string()).default([]),
  channels: z.array(z.string()).default([]),
});

const bindingSchema = z.strictObject({
  chat: z.coerce.string().min(1),
  expert: name.optional(),
  mode: z.enum(queueModes).optional(),
});

const telegramSchema = z.strictObject({
  api_root: z.url().optional(),
  webhook_url: z.url().optional(),
  expert: name.optional(),
  mode: z.enum(queueModes).optional(),
  allow: allowListSchema.optional(),
  bindings: z.array(bindingSchema).default([]),
});

const slackSchema = z.strictObject({
  api_url: z.url().optional(),
  expert: name.optional(),
  mode: z.enum(queueModes).optional(),
  reply_in_threads: z.enum(["all", "mentions"]).default("all"),
  allow: allowListSchema.optional(),
  bindings: z.array(bindingSchema).default([]),
});

const destinationSchema = z.union([
  z.strictObject({ slack: z.strictObject({ channel: z.string().min(1), team: z.string().optional() }) }),
  z.strictObject({
    telegram: z.strictObject({ chat: z.coerce.string().min(1), topic: z.number().int().optional() }),
  }),
  z.strictObject({ loopback: z.strictObject({ conversation: z.string().min(1) }) }),
  z.literal("none"),
]);

const filterSchema = z.strictObject({
  path: z.string().min(1),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});

const scheduleSchema = z
  .strictObject({ cron: z.string().min(1), timezone: z.string().default("UTC") })
  .superRefine((schedule, context) => {
    const problem = scheduleProblem(schedule);
    if (problem) context.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  });

const triggerSchema = z
  .strictObject({
    name,
    expert: name.optional(),
    /** `{{payload.some.path}}` placeholders are filled from the JSON payload; missing ones are empty. */
    prompt: z.string().min(1),
    schedule: scheduleSchema.optional(),
    webhook: z
      .strictObject({
        secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must name an environment variable"),
        filter: z.array(filterSchema).default([]),
      })
      .optional(),
    destination: destinationSchema.default("none"),
    archive: z.enum(["on_finish", "never"]).default("on_finish"),
    /** Tool calls under `ask` in this trigger's runs: nobody is there to press a button, so this decides. */
    approvals: z.enum(["auto", "deny"]).default("deny"),
    budget: z
      .strictObject({ daily_usd: z.number().positive().optional(), monthly_usd: z.number().positive().optional() })
      .optional(),
  })
  .refine((trigger) => trigger.schedule !== undefined || trigger.webhook !== undefined, {
    message: "needs a schedule, a webhook, or both",
  });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must name an environment variable");

/**
 * An MCP server: a child process on stdio (`command`) or a Streamable HTTP URL (`url`). Secret values
 * never appear here: `env_from` and `headers_from` name the gateway's environment variables to read.
 */
const mcpServerSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]|_(?!_)){0,31}$/, "must be lowercase letters, digits, - or single _ (max 32)"),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    cwd: z.string().min(1).optional(),
    /** Child variable ← gateway variable. */
    env_from: z.record(envName, envName).default({}),
    url: z.url().optional(),
    /** HTTP header ← gateway variable. */
    headers_from: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name"), envName).default({}),
    /** A tool call that has not answered after this long is cancelled and reported to the model. */
    timeout_seconds: z.number().positive().max(3600).default(60),
    /** Longest tool output handed to the model, in characters; the rest is cut with a note. */
    max_output_chars: z.number().int().min(200).max(1_000_000).default(20_000),
  })
  .refine((server) => (server.command === undefined) !== (server.url === undefined), {
    message: "needs either command (stdio) or url (Streamable HTTP), not both",
  });

const modelInfoSchema = z.strictObject({
  context_tokens: z.number().int().positive().optional(),
  input_usd_per_million: z.number().min(0).optional(),
  output_usd_per_million: z.number().min(0).optional(),
  vision: z.boolean().default(false),
});

/**
 * The YAML file named by GATEWAY_CONFIG: the whole product's settings in one
 * shape. Keys are snake_case; every environment variable overrides its twin here.
 */
export const fileSchema = z
  .strictObject({
    model: z
      .strictObject({
        base_url: z.url().optional(),
        default: z.string().min(1).optional(),
        timeout_seconds: z.number().positive().max(3600).optional(),
        max_reply_chars: z.number().int().min(100).max(1_000_000).optional(),
      })
      .default({}),
    models: z.record(z.string(), modelInfoSchema).default({}),
    gateway: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
        db: z.string().min(1).optional(),
        log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
        max_turns: z.number().int().min(1).max(10_000).optional(),
        retention_days: z.number().int().min(1).optional(),
      })
      .default({}),
    queue: z
      .strictObject({
        mode: z.enum(queueModes).default("collect"),
        cap: z.number().int().min(1).max(10_000).default(20),
      })
      .default({ mode: "collect", cap: 20 }),
    /** Tool calls under an `ask` policy: how long a request waits for a decision before it counts as denied. */
    approvals: z
      .strictObject({ timeout_seconds: z.number().positive().max(86_400).default(600) })
      .default({ timeout_seconds: 600 }),
    mcp_servers: z
      .array(mcpServerSchema)
      .default([])
      .superRefine((servers, context) => {
        const seen = new Set<string>();
        for (const [index, server] of servers.entries()) {
          if (seen.has(server.name)) {
            context.addIssue({ code: "custom", path: [index, "name"], message: `"${server.name}" is used twice` });
          }
          seen.add(server.name);
        }
      }),
    experts: z.array(expertSchema).default([]),
    access: z
      .strictObject({
        allow: z.array(z.union([principal, z.literal("*")])).default([]),
        admins: z.array(principal).default([]),
      })
      .default({ allow: [], admins: [] }),
    channels: z
      .strictObject({
        telegram: telegramSchema.optional(),
        slack: slackSchema.optional(),
      })
      .default({}),
    triggers: z
      .array(triggerSchema)
      .default([])
      .superRefine((triggers, context) => {
        const seen = new Set<string>();
        for (const [index, trigger] of triggers.entries()) {
          if (seen.has(trigger.name)) {
            context.addIssue({ code: "custom", path: [index, "name"], message: `"${trigger.name}" is used twice` });
          }
          seen.add(trigger.name);
        }
      }),
    console: z
      .strictObject({
        /** Operators who sign in with their own token (read from the named variable), besides GATEWAY_ADMIN_TOKEN's `admin`. */
        operators: z
          .array(
            z.strictObject({
              name: z.string().regex(/^[a-z0-9_.-]{1,40}$/i, "1-40 letters, digits, _ . -"),
              token_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name"),
            }),
          )
          .default([]),
        /** Mark the cookie Secure: set when operators reach the gateway over https (a proxy in front). */
        secure_cookie: z.boolean().default(false),
        session_hours: z.number().positive().max(720).default(12),
      })
      .default({ operators: [], secure_cookie: false, session_hours: 12 }),
    memory: z
      .strictObject({
        enabled: z.boolean().default(true),
        budget_tokens: z.number().int().min(0).default(1500),
      })
      .default({ enabled: true, budget_tokens: 1500 }),
    compaction: z
      .strictObject({
        auto: z.boolean().default(true),
        reserve_tokens: z.number().int().min(0).default(4096),
        default_context_tokens: z.number().int().positive().default(128_000),
      })
      .default({ auto: true, reserve_tokens: 4096, default_context_tokens: 128_000 }),
    budgets: z
      .strictObject({
        per_user: z
          .strictObject({ daily_usd: z.number().positive().optional(), monthly_usd: z.number().positive().optional() })
          .optional(),
      })
      .default({}),
  })
  .superRefine((file, context) => {
    // A tool pattern that names a server (`tracker.create_issue`) must name a configured one.
    const servers = new Set(file.mcp_servers.map((server) => server.name));
    const check = (pattern: string, path: (string | number)[]) => {
      const server = serverOf(pattern);
      if (server !== undefined && !servers.has(server)) {
        const known = [...servers].join(", ") || "none configured";
        context.addIssue({ code: "custom", path, message: `unknown MCP server "${server}" (mcp_servers: ${known})` });
      }
    };
    for (const [index, expert] of file.experts.entries()) {
      for (const [at, pattern] of expert.tools.entries()) check(pattern, ["experts", index, "tools", at]);
      for (const pattern of Object.keys(expert.tool_policies ?? {}))
        check(pattern, ["experts", index, "tool_policies", pattern]);
    }
  });

/** The server part of a namespaced tool name or pattern (`files.read_*` → `files`); undefined for built-ins. */
export function serverOf(pattern: string): string | undefined {
  const dot = pattern.indexOf(".");
  return dot > 0 ? pattern.slice(0, dot) : undefined;
}

export type FileSettings = z.infer<typeof fileSchema>;
export type ExpertSettings = z.infer<typeof expertSchema>;
export type TriggerSettings = z.infer<typeof triggerSchema>;
export type DestinationSettings = TriggerSettings["destination"];
export type McpServerSettings = z.infer<typeof mcpServerSchema>;
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export type AllowList = z.infer<typeof allowListSchema>;
