import type { Place } from "../../src/gateway/channel.js";
import { ChannelError } from "../../src/gateway/channel.js";

/** Where a Slack conversation lives: a thread (`threadTs`) or a whole channel or DM. */
export interface SlackTarget {
  team: string;
  channel: string;
  threadTs?: string;
}

/** `slack:T1:C1:1700000000.000100` for a thread, `slack:T1:C1` for a channel: the session key. */
export function conversationKeyOf(target: SlackTarget): string {
  const base = `slack:${target.team}:${target.channel}`;
  return target.threadTs ? `${base}:${target.threadTs}` : base;
}

/**
 * Reads a key back; a channel without its team (`slack:C1`, or `slack::C1` as a trigger destination
 * names it) works too.
 */
export function targetOf(conversationKey: string): SlackTarget {
  const parts = conversationKey.split(":");
  const teamless = parts.length === 3 && parts[1] === "";
  if (teamless) parts.splice(1, 1);
  if (parts[0] !== "slack" || parts.length < 2 || parts.length > 4 || parts.slice(1).some((part) => part === "")) {
    throw new ChannelError("PERMANENT", `not a Slack conversation: ${conversationKey}`);
  }
  const [, first = "", second, threadTs] = parts;
  if (second === undefined) return { team: "", channel: first };
  return threadTs ? { team: first, channel: second, threadTs } : { team: first, channel: second };
}

/** DM channel ids start with D; they need no recipient for streaming and allow faster edits. */
export function isDirectChannel(channel: string): boolean {
  return channel.startsWith("D");
}

/**
 * A Slack conversation's place: a DM (and the assistant threads in it) has
 * one member; a channel is one room, whatever its thread. The room leaves the
 * team out: channel ids are unique, and a trigger's destination may name none.
 */
export function placeOf(conversationKey: string): Place {
  const { team, channel } = targetOf(conversationKey);
  return {
    audience: isDirectChannel(channel) ? "private" : "shared",
    room: `slack:${channel}`,
    // A key without its team (a trigger's destination) is of the workspace the bot serves.
    workspace: team ? `slack:${team}` : "slack",
  };
}

/**
 * Where a person's message belongs. A DM is one running conversation (`slack:T:D`), answered in the
 * DM itself; a thread someone opens inside it (an agent-view thread too) is its own session. In a
 * channel, a message starts or continues its thread.
 */
export function conversationOf(message: {
  team: string;
  channel: string;
  ts: string;
  threadTs: string | undefined;
  dm: boolean;
}): SlackTarget {
  const { team, channel } = message;
  const threaded = message.threadTs !== undefined && message.threadTs !== message.ts;
  if (message.dm && !threaded) return { team, channel };
  return { team, channel, threadTs: message.threadTs ?? message.ts };
}
