import type { Readable, Writable } from "node:stream";
import { LoopbackAdapter } from "../../adapters/loopback/loopback-adapter.js";
import { TelegramAdapter } from "../../adapters/telegram/telegram-adapter.js";
import { TerminalAdapter } from "../../adapters/terminal/terminal-adapter.js";
import type { Config } from "../config/config.js";
import type { ChannelAdapter } from "../gateway/channel.js";
import type { Logger } from "../logger.js";

/**
 * The one place in `src/` that knows the adapters: it builds the channels the
 * configuration enables. Everything else sees only the ChannelAdapter interface.
 */
export async function createChannelAdapters(config: Config, logger: Logger): Promise<ChannelAdapter[]> {
  const adapters: ChannelAdapter[] = [];
  const telegram = config.telegram;
  if (telegram.token) {
    adapters.push(
      new TelegramAdapter({
        token: telegram.token,
        apiRoot: telegram.apiRoot,
        webhookUrl: telegram.webhookUrl,
        webhookSecret: telegram.webhookSecret,
      }),
    );
  }
  if (config.loopbackUrl) adapters.push(new LoopbackAdapter({ outboundUrl: config.loopbackUrl }));
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

export function createTerminalAdapter(options: {
  input: Readable;
  output: Writable;
  conversationKey: string;
  userName: string;
  onInputEnd: () => void;
  downloadsDir: string;
}): ChannelAdapter {
  return new TerminalAdapter(options);
}
