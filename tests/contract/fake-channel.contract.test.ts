import type { ChannelHost } from "../../src/gateway/channel.js";
import { FakeChannel } from "../fakes/fake-channel.js";
import { type ChannelHarness, describeChannelContract, type PlatformFailure } from "./channel-contract.js";

describeChannelContract("FakeChannel", async (): Promise<ChannelHarness> => {
  const adapter = new FakeChannel();
  const failures: Record<PlatformFailure, Parameters<FakeChannel["failNext"]>[0]> = {
    rate: { kind: "rate", retryAfterMs: 1000 },
    transient: { kind: "transient" },
    permanent: { kind: "permanent" },
  };
  return {
    adapter,
    start: (host: ChannelHost) => adapter.start(host),
    deliverFromPlatform: async (conv, sender, text, id) => {
      const result = await adapter.deliver({ conv, sender, text, id });
      if (result instanceof Error) throw result;
    },
    platformSent: () =>
      adapter.sends.map((sent) => ({
        conversation: sent.conversationKey.replace(/^fake:/, ""),
        text: sent.text,
        messageId: sent.messageId,
      })),
    platformText: (messageId) => adapter.messages.get(messageId),
    failNextPlatformCall: (kind) => adapter.failNext(failures[kind]),
    close: () => adapter.stop(),
  };
});
