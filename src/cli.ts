#!/usr/bin/env node
import { Command } from "commander";
import { ignoreClosedPipe } from "./cli/closed-pipe.js";
import type { InitOptions } from "./cli/init-command.js";
import { wholeNumber } from "./cli/numeric-option.js";
import type { WhenMissing } from "./cli/read-store.js";
import { describeError, GatewayError } from "./errors.js";
import { guardProcessOutput } from "./secrets/guard-output.js";
import type { Store } from "./store/store.js";
import { gatewayVersion } from "./version.js";

/*
 * Only what every run needs is imported up here: commander, the output guards and the version.
 * Each command's implementation is imported in its action, when that command runs: importing all
 * of them (the agent, openai, zod schemas, the HTTP server, metrics, both store backends) cost
 * every command, `--version` and `--help` included, most of a second of CPU.
 */

ignoreClosedPipe(process.stdout);

guardProcessOutput();

const program = new Command("gateway")
  .description("chat-gateway: an LLM agent in Slack threads, Telegram chats and your terminal")
  .version(gatewayVersion(), "-V, --version", "print the version")
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

/** Runs an action and turns its result into the exit code; errors become one line on stderr. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined>) {
  return async (...args: A) => {
    process.exitCode = (await fn(...args)) ?? 0;
  };
}

/**
 * Runs a command on the existing database; none of these create one (see
 * `openExistingStore` in cli/read-store.ts): lists answer "nothing" and say where they looked,
 * commands about one session or memory fail naming the path.
 */
async function withStore(whenMissing: WhenMissing, fn: (store: Store) => Promise<void>): Promise<number> {
  const { loadConfig } = await import("./config/load-config.js");
  const { openExistingStore } = await import("./cli/read-store.js");
  const store = await openExistingStore(loadConfig(), whenMissing);
  try {
    await fn(store);
  } finally {
    await store.close();
  }
  return 0;
}

program
  .command("init")
  .description(
    "first run: model endpoint, key and model, Telegram, Slack; checked live, written to .env and gateway.yml",
  )
  .option("-y, --yes", "ask nothing: take everything from the flags and the environment (for scripts)")
  .option("--force", "replace an existing .env and gateway.yml")
  .option("--base-url <url>", "the model endpoint (default: OPENAI_BASE_URL, else OpenAI)")
  .option("--api-key <key>", "its API key (default: OPENAI_API_KEY; the variable keeps it out of ps)")
  .option("--model <name>", "a model the endpoint lists (default: GATEWAY_MODEL, or its only model)")
  .option("--telegram", "require Telegram (with --yes: fail without a token)")
  .option("--telegram-token <token>", "a bot token from @BotFather (default: TELEGRAM_BOT_TOKEN)")
  .option("--telegram-api-root <url>", "the Bot API root (default: TELEGRAM_API_ROOT, else api.telegram.org)")
  .option("--slack", "require Slack (with --yes: fail without tokens)")
  .option("--slack-bot-token <token>", "xoxb-… of the app made from manifest.yml (default: SLACK_BOT_TOKEN)")
  .option("--slack-app-token <token>", "xapp-… with connections:write, for Socket Mode (default: SLACK_APP_TOKEN)")
  .option("--slack-api-url <url>", "the Web API base URL (default: SLACK_API_URL, else slack.com/api/)")
  .action(action(async (options: InitOptions) => (await import("./cli/init-command.js")).initCommand(options)));

program
  .command("start")
  .description("run the gateway: channels, triggers and the HTTP server (GET /healthz)")
  .action(action(async () => (await import("./cli/start-command.js")).startCommand()));

program
  .command("run")
  .description("send one prompt to an Expert and stream the answer")
  .requiredOption("-p, --prompt <text>", "the prompt")
  .option("--expert <name>", "the Expert to answer (default: default)")
  .option("--continue", "continue the newest CLI session")
  .option("--session <id>", "continue this session (id or unique prefix)")
  .option("--no-session", "store nothing")
  .option("--no-wait", "fail at once when the session is answering another turn, instead of waiting")
  .option("--json", "print one JSON event per line")
  .option("--approve", "run tool calls that need approval (policy ask) without asking")
  .option("--deny-all", "deny tool calls that need approval, saying so on stderr (the default)")
  .action(
    action(
      async (options: {
        prompt: string;
        expert?: string;
        continue?: boolean;
        session?: string | boolean;
        json?: boolean;
        wait?: boolean;
        approve?: boolean;
        denyAll?: boolean;
      }) => {
        const { runCommand } = await import("./cli/run-command.js");
        const { approvalFlags } = await import("./cli/cli-approvals.js");
        return runCommand({
          ...approvalFlags(options),
          prompt: options.prompt,
          ...(options.expert !== undefined ? { expert: options.expert } : {}),
          ...(options.continue ? { continue: true } : {}),
          ...(typeof options.session === "string" ? { session: options.session } : {}),
          noSession: options.session === false,
          ...(options.json ? { json: true } : {}),
          ...(options.wait === false ? { noWait: true } : {}),
        });
      },
    ),
  );

program
  .command("chat")
  .description("talk to an Expert in the terminal: streaming, queueing and the chat commands (/help)")
  .option("--expert <name>", "the Expert of a new session (default: default)")
  .option("--session <id>", "continue this CLI session (id or unique prefix)")
  .action(
    action(async (options: { expert?: string; session?: string }) =>
      (await import("./cli/chat-command.js")).chatCommand({
        ...(options.expert !== undefined ? { expert: options.expert } : {}),
        ...(options.session !== undefined ? { session: options.session } : {}),
      }),
    ),
  );

const sessions = program.command("sessions").description("list, show, rename, archive, delete and search sessions");
sessions
  .command("list")
  .description("active and inactive sessions, newest first")
  .option("--archived", "only archived sessions")
  .option("--all", "every session")
  .option("--json", "print JSON")
  .action(
    action(async (options: { archived?: boolean; all?: boolean; json?: boolean }) => {
      const { listSessions } = await import("./cli/sessions-command.js");
      return withStore("empty", (store) => listSessions(store, options));
    }),
  );
sessions
  .command("show <id>")
  .description("a session's transcript")
  .option("--json", "print JSON")
  .action(
    action(async (id: string, options: { json?: boolean }) => {
      const { showSession } = await import("./cli/sessions-command.js");
      const secrets = (await import("./config/load-config.js")).loadConfig().mcp.secrets();
      return withStore("fail", (store) => showSession(store, id, { ...options, secrets }));
    }),
  );
sessions
  .command("rename <id> <title>")
  .description("give a session a title")
  .action(
    action((id: string, title: string) =>
      withStore("fail", async (store) => {
        const session = await store.sessions.rename((await store.sessions.resolve(id)).id, title);
        process.stdout.write(`renamed ${session.id}: ${title}\n`);
      }),
    ),
  );
for (const [name, verb] of [
  ["archive", "archived"],
  ["unarchive", "unarchived"],
  ["delete", "deleted"],
] as const) {
  sessions
    .command(`${name} <id>`)
    .description(name === "delete" ? "delete a session and its transcript" : `${name} a session`)
    .action(
      action((id: string) =>
        withStore("fail", async (store) => {
          const session = await store.sessions.resolve(id);
          if (name === "delete") await store.sessions.delete(session.id);
          else await store.sessions[name](session.id);
          process.stdout.write(`${verb} ${session.id}\n`);
        }),
      ),
    );
}
sessions
  .command("search <text>")
  .description("full-text search over every session, ranked, with snippets")
  .option("--json", "print JSON")
  .action(
    action(async (text: string, options: { json?: boolean }) => {
      const { searchSessions } = await import("./cli/sessions-command.js");
      return withStore("empty", (store) => searchSessions(store, text, options));
    }),
  );
sessions
  .command("compact <id>")
  .description("summarize the older part of a session now (the transcript is kept)")
  .action(action(async (id: string) => (await import("./cli/compact-command.js")).compactSession(id)));

const memories = program.command("memories").description("the agent's long-term memories");
memories
  .command("list")
  .description("every memory, newest first")
  .option("--type <type>", "only project, user or decision memories")
  .option("--json", "print JSON")
  .action(
    action(async (options: { type?: string; json?: boolean }) => {
      const { listMemories } = await import("./cli/memory-command.js");
      return withStore("empty", (store) => listMemories(store, options));
    }),
  );
memories
  .command("forget <id>")
  .description("delete a memory")
  .action(
    action(async (id: string) => {
      const { forgetMemory } = await import("./cli/memory-command.js");
      return withStore("fail", (store) => forgetMemory(store, id));
    }),
  );

program
  .command("usage")
  .description("tokens and estimated cost per session, user, Expert or trigger")
  .option("--by <group>", "session, user, expert or trigger", "session")
  .option("--since <date>", "only usage from this date on (YYYY-MM-DD, UTC)")
  .option("--json", "print JSON")
  .action(
    action(async (options: { by?: string; since?: string; json?: boolean }) => {
      const { usageReport } = await import("./cli/usage-command.js");
      return withStore("empty", (store) => usageReport(store, options));
    }),
  );

sessions
  .command("prune")
  .description("delete archived sessions older than the retention (GATEWAY_RETENTION_DAYS)")
  .option(
    "--days <n>",
    "archived longer ago than this many days (default: the retention setting)",
    wholeNumber(1, 36_500),
  )
  .option("--dry-run", "only list what would be deleted")
  .option("--json", "print JSON")
  .action(
    action(async (options: { days?: number; dryRun?: boolean; json?: boolean }) =>
      (await import("./cli/prune-command.js")).pruneSessions(options),
    ),
  );

const triggers = program.command("triggers").description("schedules and webhooks that start sessions");
triggers
  .command("list")
  .description("every trigger: next fire time, last run, status")
  .option("--json", "print JSON")
  .action(
    action(async (options: { json?: boolean }) => (await import("./cli/triggers-command.js")).listTriggers(options)),
  );
triggers
  .command("run <name>")
  .description("fire a trigger now and print its result (handed to a running gateway if there is one)")
  .option("--payload <json>", "the payload its prompt placeholders read")
  .option("--json", "print the run as JSON")
  .action(
    action(async (name: string, options: { payload?: string; json?: boolean }) =>
      (await import("./cli/triggers-command.js")).runTrigger(name, options),
    ),
  );
triggers
  .command("history <name>")
  .description("a trigger's runs, newest first")
  .option("--json", "print JSON")
  .option("--limit <n>", "how many runs", wholeNumber(1, 10_000), 20)
  .action(
    action(async (name: string, options: { json?: boolean; limit: number }) =>
      (await import("./cli/triggers-command.js")).triggerHistory(name, options),
    ),
  );
for (const verb of ["pause", "resume"] as const) {
  triggers
    .command(`${verb} <name>`)
    .description(
      verb === "pause" ? "stop firing a trigger (schedules and webhooks)" : "let a paused trigger fire again",
    )
    .action(
      action(async (name: string) =>
        (await import("./cli/triggers-command.js")).setTriggerPaused(name, verb === "pause"),
      ),
    );
}

const access = program.command("access").description("who may talk to the bot (takes effect at once)");
access
  .command("allow <principal>")
  .description("admit a user or chat, e.g. telegram:12345 or slack:C0456")
  .action(action(async (principal: string) => (await import("./cli/access-command.js")).accessAllow(principal)));
access
  .command("revoke <principal>")
  .description("remove a grant made with allow")
  .action(action(async (principal: string) => (await import("./cli/access-command.js")).accessRevoke(principal)));
access
  .command("list")
  .description("everyone admitted, and where from")
  .option("--json", "print JSON")
  .action(action(async (options: { json?: boolean }) => (await import("./cli/access-command.js")).accessList(options)));

const tools = program.command("tools").description("the tools Experts can use: built-ins and MCP servers' tools");
tools
  .command("list")
  .description("every tool (connecting each MCP server once), or the tools one Expert gets, with their policies")
  .option("--expert <name>", "only this Expert's tools")
  .option("--json", "print JSON")
  .action(
    action(async (options: { expert?: string; json?: boolean }) =>
      (await import("./cli/tools-command.js")).listToolsCommand(options),
    ),
  );

program
  .command("migrate")
  .description("apply database migrations")
  .action(action(async () => (await import("./cli/migrate-command.js")).migrateCommand()));
const db = program.command("db").description("the database itself: copy it to another (SQLite ⇄ PostgreSQL)");
db.command("copy")
  .description("copy everything to another database, verifying the counts; the target must be empty")
  .requiredOption("--from <database>", "a SQLite file path or a postgres:// URL")
  .requiredOption("--to <database>", "a SQLite file path or a postgres:// URL")
  .option("--force", "replace what the target holds")
  .action(
    action(async (options: { from?: string; to?: string; force?: boolean }) =>
      (await import("./cli/db-command.js")).dbCopyCommand(options),
    ),
  );
program
  .command("doctor")
  .description("check everything start checks, plus the model list, channel tokens, webhooks and MCP servers, live")
  .action(action(async () => (await import("./cli/doctor-command.js")).doctorCommand()));
program
  .command("status")
  .description("ask the running gateway: channels, running turns, queue, unsent replies, version")
  .option("--json", "print JSON")
  .action(
    action(async (options: { json?: boolean }) => (await import("./cli/status-command.js")).statusCommand(options)),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`error: ${describeError(error)}\n`);
  if (!(error instanceof GatewayError) && process.env.LOG_LEVEL === "debug") console.error(error);
  process.exitCode = 1;
}
