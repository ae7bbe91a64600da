import type { ParsedCommand } from "../channel.js";

/** Every chat command; each channel maps its own syntax onto these names. */
export const commandNames = [
  "help",
  "new",
  "sessions",
  "resume",
  "rename",
  "archive",
  "expert",
  "queue",
  "drop",
  "stop",
  "mode",
  "status",
  "memories",
  "forget",
  "compact",
  "approve",
  "deny",
  "always",
  "share",
  "private",
] as const;
export type CommandName = (typeof commandNames)[number];

const aliases: Record<string, CommandName> = { start: "help" };

/**
 * Reads `/new`, `!new args` or `/new@botname args`. Only known commands (and
 * `/start`, Telegram's first message) count; anything else is a prompt.
 */
export function parseCommand(text: string, prefix: string): ParsedCommand | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith(prefix)) return undefined;
  const match = /^([A-Za-z]+)(?:@\S+)?(?:\s+([\s\S]*))?$/.exec(trimmed.slice(prefix.length));
  if (!match) return undefined;
  const word = (match[1] ?? "").toLowerCase();
  const name = (commandNames as readonly string[]).includes(word) ? word : aliases[word];
  return name ? { name, args: (match[2] ?? "").trim() } : undefined;
}

/** `+analyst how did signups move?` → the Expert and the rest of the text. */
export function parseExpertPrefix(text: string): { expert: string; rest: string } | undefined {
  const match = /^\+([a-z0-9][a-z0-9_-]{0,63})(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { expert: match[1] ?? "", rest: (match[2] ?? "").trim() };
}
