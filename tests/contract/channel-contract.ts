import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AcceptResult,
  type ChannelAdapter,
  ChannelError,
  type ChannelHost,
  type InboundMessage,
} from "../../src/gateway/channel.js";
import { createLogger } from "../../src/logger.js";
import { waitUntil } from "../fakes/fake-channel.js";

export type PlatformFailure = "rate" | "transient" | "permanent";

/** What a platform can do at all; a contract check that does not apply is skipped, and says so. */
export interface PlatformTraits {
  /** Many conversations and senders (a terminal has one of each). */
  manyConversations: boolean;
  /** The platform may deliver the same message again (webhook retries, polling). */
  redelivery: boolean;
  /** Sent messages can be edited and deleted. */
  editsAndDeletes: boolean;
  /** Calls to the platform can fail (429, 5xx, 403). */
  failures: boolean;
}

const chatPlatform: PlatformTraits = {
  manyConversations: true,
  redelivery: true,
  editsAndDeletes: true,
  failures: true,
};

/** One adapter wired to a fake of its platform. */
export interface ChannelHarness {
  adapter: ChannelAdapter;
  /** Starts the adapter with this host (the harness adds `route` when it serves HTTP). */
  start(host: ChannelHost): Promise<void>;
  /** The platform delivers a user's message to the adapter (resolves once the adapter answered the platform). */
  deliverFromPlatform(conv: string, sender: string, text: string, id: string): Promise<void>;
  /** Messages the platform received from the adapter, in order (ids where the platform shows them). */
  platformSent(): { conversation: string; text: string; messageId?: string }[];
  /** What a platform message shows now; undefined once deleted. */
  platformText(messageId: string): string | undefined;
  /** The platform answers the next call with 429 (with a retry-after), 5xx or 403. */
  failNextPlatformCall(kind: PlatformFailure): void;
  close(): Promise<void>;
}

/** A host that records what the adapter accepts. */
function recordingHost(): { host: ChannelHost; accepted: InboundMessage[] } {
  const accepted: InboundMessage[] = [];
  let next = 1;
  const host: ChannelHost = {
    accept: async (message): Promise<AcceptResult> => {
      accepted.push(message);
      return { status: "accepted", inboundId: next++, sessionId: "s_contract", queued: false };
    },
    route: () => {
      throw new Error("this harness serves no HTTP routes");
    },
    moveConversation: async () => undefined,
    knows: async () => false,
    welcome: async () => ({ expert: "default", greeting: "Hi", suggestedPrompts: [] }),
    commands: [],
    logger: createLogger("silent"),
  };
  return { host, accepted };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** The behaviour every channel adapter must show, whatever its platform. */
export function describeChannelContract(
  name: string,
  makeHarness: () => Promise<ChannelHarness>,
  traits: PlatformTraits = chatPlatform,
): void {
  describe(`channel contract: ${name}`, () => {
    let harness: ChannelHarness;
    let accepted: InboundMessage[];
    let host: ChannelHost;

    beforeEach(async () => {
      harness = await makeHarness();
      ({ host, accepted } = recordingHost());
      await harness.start(host);
    });

    afterEach(async () => {
      await harness.close();
    });

    const adapter = () => harness.adapter;
    const conversationKey = (conv: string) => `${adapter().name}:${conv}`;

    it("has a name and sane limits, and runs once started", () => {
      expect(adapter().name).toMatch(/^\S+$/);
      const { limits } = adapter();
      expect(limits.maxMessageLength).toBeGreaterThanOrEqual(1000);
      expect(limits.editIntervalMs).toBeGreaterThanOrEqual(0);
      expect(limits.sendIntervalMs).toBeGreaterThanOrEqual(0);
      expect(["markdown", "telegram-html", "slack-mrkdwn", "plain"]).toContain(limits.format);
      expect(typeof limits.previews).toBe("boolean");
      expect(adapter().status().state).toBe("running");
    });

    it("normalizes a platform message before accepting it", async () => {
      await harness.deliverFromPlatform("c1", "u42", "hello there", "101");
      await waitUntil(() => accepted.length === 1);
      const message = accepted[0];
      expect(message?.channel).toBe(adapter().name);
      expect(message?.conversationKey.startsWith(`${adapter().name}:`)).toBe(true);
      if (traits.manyConversations) {
        expect(message?.conversationKey).toContain("c1");
        expect(message?.sender.id).toBe("u42");
      } else expect(message?.sender.id).toEqual(expect.any(String));
      expect(message?.text).toBe("hello there");
      expect(message?.deliveryKeys.length).toBeGreaterThanOrEqual(1);
      expect(typeof message?.addressed).toBe("boolean");
    });

    it.skipIf(!traits.redelivery)("gives a redelivered platform message the same delivery keys", async () => {
      await harness.deliverFromPlatform("c1", "u1", "same", "202");
      await harness.deliverFromPlatform("c1", "u1", "same", "202");
      await harness.deliverFromPlatform("c1", "u1", "other", "203");
      await waitUntil(() => accepted.length === 3);
      const [first, second, third] = accepted;
      expect(first?.deliveryKeys.length).toBeGreaterThan(0);
      expect(second?.deliveryKeys).toEqual(first?.deliveryKeys);
      expect(third?.deliveryKeys.some((key) => first?.deliveryKeys.includes(key))).toBe(false);
    });

    it("sends a message and returns its platform id", async () => {
      const { messageId } = await adapter().send({ conversationKey: conversationKey("c2"), text: "hi from the bot" });
      expect(messageId).toEqual(expect.any(String));
      expect(messageId).not.toBe("");
      const sent = harness.platformSent();
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ text: "hi from the bot" });
      if (traits.manyConversations) expect(sent[0]).toMatchObject({ conversation: "c2", messageId });
    });

    it("accepts a text of exactly maxMessageLength", async () => {
      const text = "x".repeat(adapter().limits.maxMessageLength);
      const { messageId } = await adapter().send({ conversationKey: conversationKey("c3"), text });
      expect(harness.platformSent().at(-1)).toMatchObject({ text });
      if (traits.manyConversations) expect(harness.platformSent().at(-1)).toMatchObject({ messageId });
    });

    it.skipIf(!traits.editsAndDeletes)("edits and deletes a sent message", async () => {
      const key = conversationKey("c4");
      const { messageId } = await adapter().send({ conversationKey: key, text: "draft" });
      await adapter().edit(key, messageId, "final text");
      expect(harness.platformText(messageId)).toBe("final text");
      await adapter().delete(key, messageId);
      expect(harness.platformText(messageId)).toBeUndefined();
    });

    it.skipIf(!traits.failures)("turns a platform 429 into RATE_LIMITED with a retry-after", async () => {
      harness.failNextPlatformCall("rate");
      const error = await rejection(adapter().send({ conversationKey: conversationKey("c5"), text: "x" }));
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).code).toBe("RATE_LIMITED");
      expect((error as ChannelError).retryAfterMs).toBeGreaterThan(0);
      expect(harness.platformSent()).toHaveLength(0);
      await adapter().send({ conversationKey: conversationKey("c5"), text: "after the wait" });
      expect(harness.platformSent().map((sent) => sent.text)).toEqual(["after the wait"]);
    });

    it.skipIf(!traits.failures)("turns a platform 5xx into TRANSIENT", async () => {
      harness.failNextPlatformCall("transient");
      const error = await rejection(adapter().send({ conversationKey: conversationKey("c6"), text: "x" }));
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).code).toBe("TRANSIENT");
    });

    it.skipIf(!traits.failures)("turns a platform 403 into PERMANENT", async () => {
      harness.failNextPlatformCall("permanent");
      const error = await rejection(adapter().send({ conversationKey: conversationKey("c7"), text: "x" }));
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).code).toBe("PERMANENT");
    });

    it("reports stopped after stop()", async () => {
      await adapter().stop();
      expect(adapter().status().state).toBe("stopped");
    });
  });
}
