import type { InboundMessage } from "../../src/gateway/channel.js";
import { parseCommand } from "../../src/gateway/commands/command-parser.js";
import { conversationKeyOf, isDirectChannel } from "./slack-keys.js";

/** What `/gateway` answers when what follows is not one of the chat commands. */
export const COMMAND_USAGE =
  "Usage: `/gateway help`, `/gateway new`, `/gateway status`, … To ask something, mention me in a channel or write to me directly; in a thread, `!help` works too.";

/**
 * A `/gateway <command>` slash command as the core's message: parsed already, answered inline (the
 * adapter returns the reply as an ephemeral message), keyed to the channel (Slack has no slash
 * commands in threads). Undefined when the text is not a command.
 */
export function slashCommandMessage(command: Record<string, string | undefined>): InboundMessage | undefined {
  const parsed = parseCommand(`!${command.text ?? ""}`, "!");
  if (!parsed) return undefined;
  const team = command.team_id ?? "";
  const channel = command.channel_id ?? "";
  return {
    channel: "slack",
    conversationKey: conversationKeyOf({ team, channel }),
    sender: { id: command.user_id ?? "", ...(command.user_name ? { name: command.user_name } : {}) },
    text: `/gateway ${command.text ?? ""}`.trim(),
    addressed: true,
    // Slack does not retry slash commands; the trigger id is unique per invocation.
    deliveryKeys: [`slack:command:${command.trigger_id ?? `${channel}:${Date.now()}`}`],
    chat: { id: channel, teamId: team, group: !isDirectChannel(channel) },
    command: parsed,
    inlineReply: true,
  };
}
