import type { Receiver } from "@slack/bolt";
import type { ChannelHost, ChannelStatus } from "../../src/gateway/channel.js";
import { type Clock, systemClock } from "../../src/ids.js";
import type { Logger } from "../../src/logger.js";
import { SlackHttpReceiver } from "./slack-http-receiver.js";
import { SlackSocketReceiver } from "./slack-socket-receiver.js";

/** How Slack reaches us: Socket Mode with an app token, else the Events API on the gateway's server. */
export function receiverFor(options: {
  appToken?: string | undefined;
  signingSecret?: string | undefined;
  apiUrl: string;
  reconnectMs?: number | undefined;
  clock?: Clock | undefined;
  route: ChannelHost["route"];
  logger: Logger;
  /** Socket Mode's connection state. */
  onStatus: (status: ChannelStatus) => void;
}): Receiver {
  const { logger } = options;
  if (options.appToken) {
    return new SlackSocketReceiver({
      appToken: options.appToken,
      apiUrl: options.apiUrl,
      logger,
      onStatus: options.onStatus,
      ...(options.reconnectMs ? { reconnectMs: options.reconnectMs } : {}),
    });
  }
  return new SlackHttpReceiver({
    signingSecret: options.signingSecret ?? "",
    route: options.route,
    clock: options.clock ?? systemClock,
    logger,
  });
}
