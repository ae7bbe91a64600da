import { z } from "zod";
import { scheduleProblem } from "../triggers/cron-schedule.js";

/** How messages that arrive while a turn runs are handled. */
export const queueModes = ["collect", "followup", "steer", "interrupt"] as const;
export type QueueMode = (typeof queueModes)[number];

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
    budget: z
      .strictObject({ daily_usd: z.number().positive().optional(), monthly_usd: z.number().positive().optional() })
      .optional(),
  })
  .refine((trigger) => trigger.schedule !== undefined || trigger.webhook !== undefined, {
    message: "needs a schedule, a webhook, or both",
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
export const fileSchema = z.strictObject({
  model: z
    .strictObject({
      base_url: z.url().optional(),
      default: z.string().min(1).optional(),
      timeout_seconds: z.number().positive().max(3600).optional(),
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
});

export type FileSettings = z.infer<typeof fileSchema>;
export type ExpertSettings = z.infer<typeof expertSchema>;
export type TriggerSettings = z.infer<typeof triggerSchema>;
export type DestinationSettings = TriggerSettings["destination"];
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export type AllowList = z.infer<typeof allowListSchema>;
