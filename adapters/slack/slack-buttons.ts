import type { webApi } from "@slack/bolt";
import type { CommandButton, InboundMessage } from "../../src/gateway/channel.js";
import { parseCommand } from "../../src/gateway/commands/command-parser.js";
import { renderMrkdwn } from "./slack-format.js";
import { conversationKeyOf, conversationOf, isDirectChannel, targetOf } from "./slack-keys.js";

/** Every button of ours has an action id starting with this (Bolt routes them to one listener). */
export const ACTION_PREFIX = "gateway_cmd_";
/** Slack's limits: 25 elements per actions block, 75 characters of button text, 2,000 of value, 3,000 of section text. */
const MAX_BUTTONS = 25;
const MAX_LABEL = 75;
const MAX_VALUE = 2000;
export const MAX_SECTION_TEXT = 3000;

/** What a button carries back when pressed: the command it runs and whom it was made for. */
interface ButtonValue {
  command: string;
  for?: string;
}

/**
 * A message's Block Kit: its mrkdwn text as a section and the buttons in an actions block. Undefined
 * when the text is too long for a section (the message then goes without buttons; the commands
 * still work typed).
 */
export function buttonBlocks(text: string, buttons: readonly CommandButton[]): object[] | undefined {
  if (buttons.length === 0 || text.length > MAX_SECTION_TEXT) return undefined;
  const elements = buttons.slice(0, MAX_BUTTONS).flatMap((button, index) => {
    const value = JSON.stringify({ command: button.command, ...(button.for ? { for: button.for } : {}) });
    if (value.length > MAX_VALUE) return [];
    const label = button.label.length > MAX_LABEL ? `${button.label.slice(0, MAX_LABEL - 1)}…` : button.label;
    return [
      { type: "button", action_id: `${ACTION_PREFIX}${index}`, text: { type: "plain_text", text: label }, value },
    ];
  });
  return [
    { type: "section", text: { type: "mrkdwn", text } },
    ...(elements.length > 0 ? [{ type: "actions", elements }] : []),
  ];
}

/** A `block_actions` payload's fields we read. */
interface BlockActions {
  user?: { id?: string; name?: string; username?: string; team_id?: string };
  team?: { id?: string } | null;
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
  message?: { ts?: string; thread_ts?: string };
  actions?: { action_id?: string; value?: string; action_ts?: string }[];
  trigger_id?: string;
}

/**
 * A press of one of our buttons as the core's message: the command it carries, in the conversation
 * of the message it sits under, from the person who pressed it, with `pressed.for` so the core can
 * refuse anyone but the person who asked (or an admin). Undefined for anything else.
 */
export function pressedButton(payload: Record<string, unknown>): InboundMessage | undefined {
  const body = payload as BlockActions;
  const action = body.actions?.find((a) => a.action_id?.startsWith(ACTION_PREFIX));
  const value = parseValue(action?.value);
  const user = body.user?.id;
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.ts ?? body.container?.message_ts;
  const team = body.team?.id ?? body.user?.team_id;
  const command = value ? parseCommand(`!${value.command}`, "!") : undefined;
  if (!action || !value || !command || !user || !channel || !ts || !team) return undefined;
  const threadTs = body.message?.thread_ts ?? body.container?.thread_ts;
  const dm = isDirectChannel(channel);
  const name = body.user?.name ?? body.user?.username;
  return {
    channel: "slack",
    conversationKey: conversationKeyOf(conversationOf({ team, channel, ts, threadTs, dm })),
    sender: { id: user, ...(name ? { name } : {}) },
    text: `!${value.command}`,
    addressed: true,
    command,
    pressed: value.for ? { for: value.for } : {},
    deliveryKeys: [`slack:action:${body.trigger_id ?? `${channel}:${ts}:${user}:${action.action_ts ?? ""}`}`],
    chat: { id: channel, teamId: team, group: !dm },
  };
}

/** Tells the person who pressed a button that it is not theirs, in a message only they see. */
export async function tellPresser(client: webApi.WebClient, press: InboundMessage, reply: string): Promise<void> {
  const target = targetOf(press.conversationKey);
  await client.chat.postEphemeral({
    channel: target.channel,
    user: press.sender.id,
    text: renderMrkdwn(reply),
    ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
  });
}

function parseValue(value: string | undefined): ButtonValue | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<ButtonValue>;
    if (typeof parsed.command !== "string") return undefined;
    return { command: parsed.command, ...(typeof parsed.for === "string" ? { for: parsed.for } : {}) };
  } catch {
    return undefined;
  }
}
