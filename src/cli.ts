#!/usr/bin/env node
import { Command } from "commander";
import { accessAllow, accessList, accessRevoke } from "./cli/access-command.js";
import { chatCommand } from "./cli/chat-command.js";
import { doctorCommand } from "./cli/doctor-command.js";
import { compactSession, forgetMemory, listMemories } from "./cli/memory-command.js";
import { migrateCommand } from "./cli/migrate-command.js";
import { pruneSessions } from "./cli/prune-command.js";
import { runCommand } from "./cli/run-command.js";
import { openConfiguredStore } from "./cli/runtime.js";
import { listSessions, searchSessions, showSession } from "./cli/sessions-command.js";
import { startCommand } from "./cli/start-command.js";
import { listToolsCommand } from "./cli/tools-command.js";
import { listTriggers, runTrigger, setTriggerPaused, triggerHistory } from "./cli/triggers-command.js";
import { usageReport } from "./cli/usage-command.js";
import { loadConfig } from "./config/load-config.js";
import { describeError, GatewayError } from "./errors.js";
import type { SqliteStore } from "./store/sqlite-store.js";

const program = new Command("gateway")
  .description("chat-gateway: an LLM agent in Slack threads, Telegram chats and your terminal")
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

/** Runs an action and turns its result into the exit code; errors become one line on stderr. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined | undefined>) {
  return async (...args: A) => {
    process.exitCode = (await fn(...args)) ?? 0;
  };
}

async function withStore(fn: (store: SqliteStore) => Promise<void>): Promise<number> {
  const store = openConfiguredStore(loadConfig());
  try {
    await fn(store);
  } finally {
    await store.close();
  }
  return 0;
}

program
  .command("start")
  .description("run the gateway: channels, triggers and the HTTP server (GET /healthz)")
  .action(action(startCommand));

program
  .command("run")
  .description("send one prompt to an Expert and stream the answer")
  .requiredOption("-p, --prompt <text>", "the prompt")
  .option("--expert <name>", "the Expert to answer (default: default)")
  .option("--continue", "continue the newest CLI session")
  .option("--session <id>", "continue this session (id or unique prefix)")
  .option("--no-session", "store nothing")
  .option("--json", "print one JSON event per line")
  .action(
    action(
      async (options: {
        prompt: string;
        expert?: string;
        continue?: boolean;
        session?: string | boolean;
        json?: boolean;
      }) =>
        runCommand({
          prompt: options.prompt,
          ...(options.expert !== undefined ? { expert: options.expert } : {}),
          ...(options.continue ? { continue: true } : {}),
          ...(typeof options.session === "string" ? { session: options.session } : {}),
          noSession: options.session === false,
          ...(options.json ? { json: true } : {}),
        }),
    ),
  );

program
  .command("chat")
  .description("talk to an Expert in the terminal: streaming, queueing and the chat commands (/help)")
  .option("--expert <name>", "the Expert of a new session (default: default)")
  .option("--session <id>", "continue this CLI session (id or unique prefix)")
  .action(
    action((options: { expert?: string; session?: string }) =>
      chatCommand({
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
    action((options: { archived?: boolean; all?: boolean; json?: boolean }) =>
      withStore((store) => listSessions(store, options)),
    ),
  );
sessions
  .command("show <id>")
  .description("a session's transcript")
  .option("--json", "print JSON")
  .action(
    action((id: string, options: { json?: boolean }) => {
      const secrets = loadConfig().mcp.secrets();
      return withStore((store) => showSession(store, id, { ...options, secrets }));
    }),
  );
sessions
  .command("rename <id> <title>")
  .description("give a session a title")
  .action(
    action((id: string, title: string) =>
      withStore(async (store) => {
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
        withStore(async (store) => {
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
    action((text: string, options: { json?: boolean }) => withStore((store) => searchSessions(store, text, options))),
  );
sessions
  .command("compact <id>")
  .description("summarize the older part of a session now (the transcript is kept)")
  .action(action(compactSession));

const memories = program.command("memories").description("the agent's long-term memories");
memories
  .command("list")
  .description("every memory, newest first")
  .option("--type <type>", "only project, user or decision memories")
  .option("--json", "print JSON")
  .action(action((options: { type?: string; json?: boolean }) => withStore((store) => listMemories(store, options))));
memories
  .command("forget <id>")
  .description("delete a memory")
  .action(action((id: string) => withStore((store) => forgetMemory(store, id))));

program
  .command("usage")
  .description("tokens and estimated cost per session, user, Expert or trigger")
  .option("--by <group>", "session, user, expert or trigger", "session")
  .option("--since <date>", "only usage from this date on (YYYY-MM-DD, UTC)")
  .option("--json", "print JSON")
  .action(
    action((options: { by?: string; since?: string; json?: boolean }) =>
      withStore((store) => usageReport(store, options)),
    ),
  );

sessions
  .command("prune")
  .description("delete archived sessions older than the retention (GATEWAY_RETENTION_DAYS)")
  .option("--days <n>", "archived longer ago than this many days (default: the retention setting)")
  .option("--dry-run", "only list what would be deleted")
  .option("--json", "print JSON")
  .action(action((options: { days?: string; dryRun?: boolean; json?: boolean }) => pruneSessions(options)));

const triggers = program.command("triggers").description("schedules and webhooks that start sessions");
triggers
  .command("list")
  .description("every trigger: next fire time, last run, status")
  .option("--json", "print JSON")
  .action(action((options: { json?: boolean }) => listTriggers(options)));
triggers
  .command("run <name>")
  .description("fire a trigger now and print its result (handed to a running gateway if there is one)")
  .option("--payload <json>", "the payload its prompt placeholders read")
  .option("--json", "print the run as JSON")
  .action(action((name: string, options: { payload?: string; json?: boolean }) => runTrigger(name, options)));
triggers
  .command("history <name>")
  .description("a trigger's runs, newest first")
  .option("--json", "print JSON")
  .option("--limit <n>", "how many runs", "20")
  .action(
    action((name: string, options: { json?: boolean; limit: string }) =>
      triggerHistory(name, { ...options, limit: Number.parseInt(options.limit, 10) || 20 }),
    ),
  );
for (const verb of ["pause", "resume"] as const) {
  triggers
    .command(`${verb} <name>`)
    .description(
      verb === "pause" ? "stop firing a trigger (schedules and webhooks)" : "let a paused trigger fire again",
    )
    .action(action((name: string) => setTriggerPaused(name, verb === "pause")));
}

const access = program.command("access").description("who may talk to the bot (takes effect at once)");
access
  .command("allow <principal>")
  .description("admit a user or chat, e.g. telegram:12345 or slack:C0456")
  .action(action(accessAllow));
access.command("revoke <principal>").description("remove a grant made with allow").action(action(accessRevoke));
access
  .command("list")
  .description("everyone admitted, and where from")
  .option("--json", "print JSON")
  .action(action((options: { json?: boolean }) => accessList(options)));

const tools = program.command("tools").description("the tools Experts can use: built-ins and MCP servers' tools");
tools
  .command("list")
  .description("every tool (connecting each MCP server once), or the tools one Expert gets, with their policies")
  .option("--expert <name>", "only this Expert's tools")
  .option("--json", "print JSON")
  .action(action((options: { expert?: string; json?: boolean }) => listToolsCommand(options)));

program.command("migrate").description("apply database migrations").action(action(migrateCommand));
program
  .command("doctor")
  .description("check configuration, database, the model endpoint and the MCP servers")
  .action(action(doctorCommand));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`error: ${describeError(error)}\n`);
  if (!(error instanceof GatewayError) && process.env.LOG_LEVEL === "debug") console.error(error);
  process.exitCode = 1;
}
