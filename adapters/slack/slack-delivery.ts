import type { App } from "@slack/bolt";

/**
 * One request or envelope from Slack on its way through Bolt. Bolt calls `ack()` for events before
 * any listener runs; we must acknowledge only after the message is committed, so the receivers hand
 * Bolt this recorder and answer Slack themselves once `processEvent` has finished.
 */
export class SlackDelivery {
  /** Not stored (the store refused it): Slack must get an error and deliver it again. */
  failed = false;
  #response: unknown;

  readonly ack = async (response?: unknown): Promise<void> => {
    if (response !== undefined) this.#response = response;
  };

  /** What the listener acknowledged with (an ephemeral answer to a slash command), if anything. */
  get response(): unknown {
    return this.#response;
  }

  /** Runs Bolt's middleware and listeners; resolves once they have all finished. */
  async process(app: App, body: Record<string, unknown>, retry: { num?: number; reason?: string }): Promise<void> {
    await app.processEvent({
      body,
      ack: this.ack,
      ...(retry.num !== undefined ? { retryNum: retry.num } : {}),
      ...(retry.reason !== undefined ? { retryReason: retry.reason } : {}),
      customProperties: { delivery: this },
    });
  }
}

/** The delivery a listener runs for (Bolt copies `customProperties` into the context). */
export function deliveryOf(context: Record<string, unknown>): SlackDelivery | undefined {
  return context.delivery instanceof SlackDelivery ? context.delivery : undefined;
}
