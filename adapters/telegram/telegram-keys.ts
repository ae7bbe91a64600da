import { ChannelError, type Place } from "../../src/gateway/channel.js";

/** Where a Telegram conversation is: a chat, and a forum topic in it (none for the General topic). */
export interface TelegramTarget {
  chatId: number;
  threadId?: number;
}

/** `telegram:<chat>` or `telegram:<chat>:topic:<thread>`. */
export function conversationKeyOf(target: TelegramTarget): string {
  const base = `telegram:${target.chatId}`;
  return target.threadId === undefined ? base : `${base}:topic:${target.threadId}`;
}

const KEY = /^telegram:(-?\d+)(?::topic:(\d+))?$/;

/**
 * The chat (and topic) a conversation key names. A key this adapter did not make, or a chat id no
 * Telegram chat can have (beyond 2^53, where it no longer survives as a number), throws a PERMANENT
 * ChannelError: sending there again can never work, so nothing retries it.
 */
export function targetOf(conversationKey: string): TelegramTarget {
  const match = KEY.exec(conversationKey);
  if (!match?.[1]) throw new ChannelError("PERMANENT", `not a Telegram conversation key: ${conversationKey}`);
  const chatId = Number(match[1]);
  const threadId = match[2] === undefined ? undefined : Number(match[2]);
  if (!Number.isSafeInteger(chatId) || (threadId !== undefined && !Number.isSafeInteger(threadId))) {
    throw new ChannelError("PERMANENT", `no Telegram chat can have the id in ${conversationKey}`);
  }
  return threadId === undefined ? { chatId } : { chatId, threadId };
}

/**
 * Telegram message ids count per chat, but the core keeps the bot's messages by channel and id:
 * a platform message id is `<chat>:<message>`.
 */
export function messageRef(chatId: number, messageId: number): string {
  return `${chatId}:${messageId}`;
}

/** The message number in a `<chat>:<message>` ref (or a bare number). */
export function messageIdOf(ref: string): number {
  const id = Number(ref.slice(ref.lastIndexOf(":") + 1));
  if (!Number.isSafeInteger(id)) throw new Error(`not a Telegram message reference: ${ref}`);
  return id;
}

/**
 * A Telegram conversation's place: a private chat (positive chat id) has one
 * member; a group or supergroup (negative id) is one room, whatever its topic.
 */
export function placeOf(conversationKey: string): Place {
  const { chatId } = targetOf(conversationKey);
  // Telegram has no workspaces: a shared session reaches everyone who writes to the bot.
  return { audience: chatId > 0 ? "private" : "shared", room: `telegram:${chatId}`, workspace: "telegram" };
}
