import { type QueueMode, queueModes } from "../../config/file-schema.js";
import { NotFoundError } from "../../errors.js";
import { usd } from "../../memory/budget-guard.js";
import type { Session } from "../../store/types.js";
import type { ParsedCommand } from "../channel.js";
import type { CommandContext, CommandReply } from "./command-context.js";
import type { CommandName } from "./command-parser.js";
import { forget, listMemories } from "./memory-commands.js";

const modeHelp: Record<QueueMode, string> = {
  collect: "messages sent while I answer are answered together right after",
  followup: "each message sent while I answer gets its own answer, in order",
  steer: "messages sent while I answer join the current answer at its next step",
  interrupt: "a new message stops the current answer; the next one answers everything",
};

/** Commands only admins and the session's starter may run in group conversations. */
const guarded: ReadonlySet<CommandName> = new Set(["new", "mode", "expert", "archive"]);

/** Runs a chat command and returns the short reply for the person who sent it. */
export async function runChatCommand(context: CommandContext, command: ParsedCommand): Promise<CommandReply> {
  const reply = await answer(context, command);
  return typeof reply === "string" ? { text: reply } : reply;
}

async function answer(context: CommandContext, command: ParsedCommand): Promise<string | CommandReply> {
  const name = command.name as CommandName;
  const { session, prefix } = context;
  // Listing Experts or showing the mode changes nothing, so only the changing forms are guarded.
  const changes = name === "new" || name === "archive" || command.args !== "";
  if (guarded.has(name) && changes && !mayChange(context)) {
    return `Only admins and the person who started this session can use ${prefix}${name} here.`;
  }
  switch (name) {
    case "help":
      return help(prefix);
    case "new": {
      const created = await context.newSession(command.args || undefined);
      return `Started a new session ${created.id} with Expert ${created.expert}. Earlier ones: ${prefix}sessions.`;
    }
    case "sessions":
      return listSessions(context);
    case "resume":
      return resume(context, command.args);
    case "rename": {
      if (!session) return noSession(prefix);
      if (!command.args) return `Usage: ${prefix}rename TITLE`;
      await context.store.sessions.rename(session.id, command.args.slice(0, 200));
      return `Renamed ${session.id} to "${command.args.slice(0, 200)}".`;
    }
    case "archive": {
      if (!session) return noSession(prefix);
      await context.store.sessions.archive(session.id);
      return `Archived ${session.id}. Your next message reopens it; ${prefix}new starts a fresh one.`;
    }
    case "expert":
      return expert(context, command.args);
    case "queue": {
      if (!session) return "Nothing is waiting.";
      const queued = await context.store.queue.queued(session.id);
      if (queued.length === 0) return "Nothing is waiting.";
      const lines = queued.map(
        (row, i) => `${i + 1}. ${preview(row.text)}${row.senderName ? ` (${row.senderName})` : ""}`,
      );
      return [`Waiting (${prefix}drop N removes one):`, ...lines].join("\n");
    }
    case "drop":
      return drop(context, command.args);
    case "stop": {
      if (!session) return "Nothing is running.";
      return (await context.stop(session.id))
        ? "Stopping the current answer. Waiting messages run next."
        : "Nothing is running.";
    }
    case "mode":
      return mode(context, command.args);
    case "status":
      return status(context);
    case "memories":
      return listMemories(context);
    case "forget":
      return forget(context, command.args);
    case "compact":
      return compact(context);
    case "approve":
    case "deny":
    case "always":
      return context.decide(name, command.args);
    case "share":
    case "private":
      return setSharing(context, name === "share" ? "shared" : "private");
  }
}

/**
 * Whether a command changes something (an admin's are kept in the audit log); listing forms of
 * `expert` and `mode` do not.
 */
export function changesState(command: ParsedCommand): boolean {
  const name = command.name as CommandName;
  if (name === "expert" || name === "mode") return command.args !== "";
  return changing.has(name);
}

const changing: ReadonlySet<CommandName> = new Set([
  "new",
  "resume",
  "rename",
  "archive",
  "drop",
  "stop",
  "forget",
  "compact",
  "share",
  "private",
]);

/** Only the session's owner or an admin marks it private or shared with its workspace. */
async function setSharing(context: CommandContext, sharing: "shared" | "private"): Promise<string> {
  const { session, viewer, prefix } = context;
  if (!session) return noSession(prefix);
  if (!viewer.admin && session.owner !== viewer.principal) {
    return "Only the person who started this session (or an admin) can change who may read it.";
  }
  await context.store.sessions.setSharing(session.id, sharing);
  return sharing === "private"
    ? `${session.id} is private now: only you and admins can find or read it. ${prefix}share opens it again.`
    : `${session.id} is shared now: everyone in this workspace can find and read it. ${prefix}private closes it.`;
}

/** In group chats, only admins and the session's starter change its Expert, mode or state. */
export function mayChange(context: Pick<CommandContext, "message" | "session" | "viewer">): boolean {
  const { message, session, viewer } = context;
  return !message.chat?.group || !session || viewer.admin || session.owner === viewer.principal;
}

/** Every command's usage and what it does, for help texts and platform command menus. */
export const commandHelp: readonly (readonly [usage: string, description: string])[] = [
  ["help", "this list"],
  ["new [EXPERT]", "start a fresh session"],
  ["sessions", "this conversation's sessions, newest first"],
  ["resume ID", "switch back to an earlier session"],
  ["rename TITLE", "name the current session"],
  ["archive", "close the current session"],
  ["expert [NAME]", "list the Experts, or switch to one"],
  ["queue", "what waits to be answered"],
  ["drop N", "remove waiting message N"],
  ["stop", "stop the current answer"],
  ["mode collect|followup|steer|interrupt", "how messages sent while I answer are handled"],
  ["status", "session, Expert, model, queue, tokens and cost"],
  ["memories", "what I remember here (ids and types)"],
  ["forget ID", "delete a memory"],
  ["compact", "summarize the older part of this session to make room"],
  ["approve ID", "let the tool call that request ID asks about run"],
  ["deny ID", "refuse that tool call (the answer goes on without it)"],
  ["always ID", "approve, and allow that tool for the rest of this session"],
  ["share", "let everyone in this workspace find and read this session"],
  ["private", "only you (and admins) may find and read this session"],
];

function help(prefix: string): string {
  return [
    "Commands:",
    ...commandHelp.map(([usage, what]) => `${prefix}${usage} — ${what}`),
    "Start a message with +NAME to ask a specific Expert, e.g. +default hello.",
  ].join("\n");
}

async function listSessions(context: CommandContext): Promise<string | CommandReply> {
  const listed = await context.store.sessions.list({
    states: ["active", "inactive", "archived"],
    conversationKey: context.viewer.conversationKey,
    limit: 50,
  });
  const sessions = (
    await context.visibility.quotable(
      context.viewer,
      listed.map((session) => ({ session })),
    )
  ).map((item) => item.session);
  if (sessions.length === 0) return "No sessions here yet.";
  const lines = sessions.slice(0, 10).map((s) => {
    const current = s.id === context.session?.id ? " · current" : "";
    return `${s.id} · ${preview(s.title ?? "(untitled)", 50)} · ${s.expert} · ${s.state}${current}`;
  });
  const more = sessions.length > 10 ? [`…and ${sessions.length - 10} more.`] : [];
  const buttons = sessions
    .slice(0, 10)
    .filter((s) => s.id !== context.session?.id)
    .map((s) => ({ label: `↩ ${preview(s.title ?? s.id, 30)}`, command: `resume ${s.id}` }));
  return {
    text: [`Sessions here, newest first (${context.prefix}resume ID):`, ...lines, ...more].join("\n"),
    buttons,
  };
}

async function resume(context: CommandContext, id: string): Promise<string> {
  if (!id) return `Usage: ${context.prefix}resume ID (see ${context.prefix}sessions)`;
  let target: Session;
  try {
    target = await context.store.sessions.resolve(id);
  } catch (error) {
    if (error instanceof NotFoundError) return `No session "${id}" here.`;
    throw error;
  }
  // Sessions of other conversations are not resumed here, and not even named, when not visible.
  if (!(await context.visibility.mayResume(context.viewer, target))) {
    return `No session "${id}" here.`;
  }
  await context.store.sessions.makeCurrent(target.id);
  return `Resumed ${target.id} (${preview(target.title ?? "untitled", 50)}) with Expert ${target.expert}.`;
}

async function expert(context: CommandContext, name: string): Promise<string | CommandReply> {
  const current = context.session?.expert;
  if (!name) {
    const experts = context.experts.list();
    const lines = experts.map(
      (e) => `${e.name}${e.name === current ? " (current)" : ""} — ${e.description || e.model}`,
    );
    return {
      text: [`Experts (${context.prefix}expert NAME switches):`, ...lines].join("\n"),
      buttons: experts.filter((e) => e.name !== current).map((e) => ({ label: e.name, command: `expert ${e.name}` })),
    };
  }
  const wanted = context.experts.get(name);
  if (!wanted)
    return `No Expert "${name}". Known: ${context.experts
      .list()
      .map((e) => e.name)
      .join(", ")}.`;
  if (!context.session) {
    const created = await context.newSession(wanted.name);
    return `Started session ${created.id} with Expert ${wanted.name}.`;
  }
  await context.store.sessions.setExpert(context.session.id, wanted.name);
  return `Expert ${wanted.name} answers from now on in ${context.session.id}.`;
}

async function drop(context: CommandContext, arg: string): Promise<string> {
  const index = Number.parseInt(arg, 10);
  if (!context.session || !Number.isInteger(index) || index < 1)
    return `Usage: ${context.prefix}drop N (see ${context.prefix}queue)`;
  const queued = await context.store.queue.queued(context.session.id);
  const row = queued[index - 1];
  if (!row) return `There is no message ${index} waiting; see ${context.prefix}queue.`;
  return (await context.store.queue.drop(context.session.id, row.id))
    ? `Dropped ${index}: ${preview(row.text)}`
    : `Message ${index} is already being answered.`;
}

async function mode(context: CommandContext, arg: string): Promise<string> {
  const { session, prefix } = context;
  if (!arg) {
    const currentMode = session ? context.modeOf(session) : undefined;
    return [
      currentMode ? `Mode: ${currentMode} — ${modeHelp[currentMode]}.` : "No session yet.",
      ...queueModes.map((m) => `${prefix}mode ${m} — ${modeHelp[m]}`),
    ].join("\n");
  }
  const wanted = arg.toLowerCase() as QueueMode;
  if (!queueModes.includes(wanted)) return `Unknown mode "${arg}". Use one of: ${queueModes.join(", ")}.`;
  const target = session ?? (await context.newSession());
  await context.store.sessions.setMode(target.id, wanted);
  return `Mode ${wanted}: ${modeHelp[wanted]}.`;
}

async function status(context: CommandContext): Promise<string> {
  const { session, store } = context;
  if (!session) return noSession(context.prefix);
  const expertInfo = context.experts.forSession(session.expert);
  const [queued, running, usage, [sum]] = await Promise.all([
    store.queue.queued(session.id),
    store.queue.isRunning(session.id),
    store.usage.totalsForSession(session.id),
    store.usage.sums("session", { sessionId: session.id }),
  ]);
  const cost = sum && sum.unpriced < sum.calls ? ` · about ${usd(sum.costUsd)}` : "";
  return [
    `Session ${session.id}${session.title ? ` "${preview(session.title, 60)}"` : ""} · ${session.state}`,
    `Expert ${expertInfo.name} · model ${expertInfo.model} · mode ${context.modeOf(session)}`,
    `${running ? "Answering now" : "Idle"} · ${queued.length} waiting`,
    `Tokens: ${usage.promptTokens} in, ${usage.completionTokens} out${usage.estimated ? " (partly estimated)" : ""}${cost}`,
  ].join("\n");
}

async function compact(context: CommandContext): Promise<string> {
  const { session, prefix } = context;
  if (!session) return noSession(prefix);
  if (!context.compact) return "Compaction is not available here.";
  const result = await context.compact(session);
  if (result.summaryId === undefined) return "This session is short enough; there is nothing older to summarize yet.";
  return `Summarized the older part of ${session.id}; ${result.tokens} of ${result.budget} context tokens are in use now. The full transcript is kept.`;
}

function noSession(prefix: string): string {
  return `There is no session here yet; send a message or ${prefix}new.`;
}

function preview(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
