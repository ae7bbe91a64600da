import type { ChannelAdapter, ChannelLimits, ChannelStatus, OutboundMessage } from "../gateway/channel.js";
import { STORED_CHANNEL } from "./destination.js";

/**
 * The channel of runs whose destination is `none`: the result is stored in
 * the session and "delivered" nowhere, so such runs end (and archive) like
 * every other run, through the same outbox.
 */
export class StoredChannel implements ChannelAdapter {
  readonly name = STORED_CHANNEL;
  readonly limits: ChannelLimits = {
    maxMessageLength: 100_000,
    editIntervalMs: 0,
    sendIntervalMs: 0,
    format: "markdown",
    previews: false,
    commandPrefix: "/",
    access: "open",
  };
  #state: ChannelStatus = { state: "stopped" };

  async start(): Promise<void> {
    this.#state = { state: "running" };
  }

  async stop(): Promise<void> {
    this.#state = { state: "stopped" };
  }

  status(): ChannelStatus {
    return this.#state;
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    return { messageId: `stored-${message.outboxId ?? 0}` };
  }

  async edit(): Promise<void> {}

  async delete(): Promise<void> {}
}
