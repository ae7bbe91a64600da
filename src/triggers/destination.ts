import type { DestinationSettings } from "../config/file-schema.js";

/** The channel that stores a run's result without posting it (`destination: none`). */
export const STORED_CHANNEL = "trigger";

/**
 * Where a trigger posts: the conversation key of the destination's top level.
 * Slack `slack:<team>:<channel>` (an empty team means the app's own
 * workspace), Telegram `telegram:<chat>` or `telegram:<chat>:topic:<n>`,
 * loopback `loopback:<conversation>`; `none` gives each run its own key.
 */
export function destinationOf(
  trigger: string,
  destination: DestinationSettings,
): { channel: string; conversationKey: string | ((sessionId: string) => string) } {
  if (destination === "none") {
    return { channel: STORED_CHANNEL, conversationKey: (sessionId) => `${STORED_CHANNEL}:${trigger}:${sessionId}` };
  }
  if ("slack" in destination) {
    return { channel: "slack", conversationKey: `slack:${destination.slack.team ?? ""}:${destination.slack.channel}` };
  }
  if ("telegram" in destination) {
    const { chat, topic } = destination.telegram;
    return { channel: "telegram", conversationKey: `telegram:${chat}${topic === undefined ? "" : `:topic:${topic}`}` };
  }
  return { channel: "loopback", conversationKey: `loopback:${destination.loopback.conversation}` };
}

/** A destination for people: `slack C0123`, `telegram -100123 topic 7`, `none`. */
export function describeDestination(destination: DestinationSettings): string {
  if (destination === "none") return "none";
  if ("slack" in destination) return `slack ${destination.slack.channel}`;
  if ("telegram" in destination) {
    const { chat, topic } = destination.telegram;
    return `telegram ${chat}${topic === undefined ? "" : ` topic ${topic}`}`;
  }
  return `loopback ${destination.loopback.conversation}`;
}
