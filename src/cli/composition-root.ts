import type { Readable, Writable } from "node:stream";
import { placeOf as slackPlaceOf } from "../../adapters/slack/slack-keys.js";
import { placeOf as telegramPlaceOf } from "../../adapters/telegram/telegram-keys.js";
import type { Config } from "../config/config.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import { type Place, privatePlace } from "../gateway/visibility.js";
import type { Logger } from "../logger.js";

/**
 * The one place in `src/` that knows the adapters: it builds the channels the
 * configuration enables. Everything else sees only the ChannelAdapter interface.
 */
export async function createChannelAdapters(config: Config, logger: Logger): Promise<ChannelAdapter[]> {
  const adapters: ChannelAdapter[] = [];
  const telegram = config.telegram;
  // Adapters load only when enabled: every CLI command imports this module (for conversationPlace).
  if (telegram.token) {
    const { TelegramAdapter } = await import("../../adapters/telegram/telegram-adapter.js");
    adapters.push(
      new TelegramAdapter({
        token: telegram.token,
        apiRoot: telegram.apiRoot,
        webhookUrl: telegram.webhookUrl,
        webhookSecret: telegram.webhookSecret,
      }),
    );
  }
  if (config.loopbackUrl) {
    const { LoopbackAdapter } = await import("../../adapters/loopback/loopback-adapter.js");
    adapters.push(new LoopbackAdapter({ outboundUrl: config.loopbackUrl }));
  }
  if (config.slack.botToken) {
    // Loaded only when enabled: Bolt takes over half a second to import, which every CLI command would pay.
    const { SlackAdapter } = await import("../../adapters/slack/slack-adapter.js");
    adapters.push(
      new SlackAdapter({
        botToken: config.slack.botToken,
        appToken: config.slack.appToken,
        signingSecret: config.slack.signingSecret,
        apiUrl: config.slack.apiUrl,
        replyInThreads: config.slack.replyInThreads,
      }),
    );
  }
  if (adapters.length === 0) {
    logger.warn(
      "no channel is configured: set TELEGRAM_BOT_TOKEN for Telegram, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP) for Slack; /healthz keeps serving, and `gateway chat` talks to an Expert in the terminal",
    );
  }
  return adapters;
}

export async function createTerminalAdapter(options: {
  input: Readable;
  output: Writable;
  conversationKey: string;
  userName: string;
  onInputEnd: () => void;
}): Promise<ChannelAdapter> {
  const { TerminalAdapter } = await import("../../adapters/terminal/terminal-adapter.js");
  return new TerminalAdapter(options);
}

/**
 * Where a conversation is (private or shared, and its room), by the channel
 * that made its key. Keys no channel reads (the CLI's, a terminal's, a
 * loopback's, a key a channel no longer recognises) are private: only their
 * owner and admins see them.
 */
export function conversationPlace(conversationKey: string): Place {
  try {
    if (conversationKey.startsWith("telegram:")) return telegramPlaceOf(conversationKey);
    if (conversationKey.startsWith("slack:")) return slackPlaceOf(conversationKey);
  } catch {
    // A malformed key of a known channel is no one's shared room.
  }
  return privatePlace(conversationKey);
}
