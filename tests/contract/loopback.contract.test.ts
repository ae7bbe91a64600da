import { LoopbackAdapter } from "../../adapters/loopback/loopback-adapter.js";
import { HttpServer } from "../../src/http/http-server.js";
import { createLogger } from "../../src/logger.js";
import { FakeLoopbackPlatform, type LoopbackFailure } from "../fakes/fake-loopback-platform.js";
import { type ChannelHarness, describeChannelContract, type PlatformFailure } from "./channel-contract.js";

const failures: Record<PlatformFailure, LoopbackFailure> = {
  rate: { status: 429, retryAfter: 2 },
  transient: { status: 500 },
  permanent: { status: 403 },
};

describeChannelContract("LoopbackAdapter", async (): Promise<ChannelHarness> => {
  const platform = await new FakeLoopbackPlatform().start();
  const http = new HttpServer(createLogger("silent"));
  const { port } = await http.listen("127.0.0.1", 0);
  http.ready();
  const adapter = new LoopbackAdapter({ outboundUrl: platform.url });
  return {
    adapter,
    start: (host) =>
      adapter.start({ ...host, route: (method, path, handler, options) => http.route(method, path, handler, options) }),
    deliverFromPlatform: async (conversation, sender, text, id) => {
      const response = await fetch(`http://127.0.0.1:${port}/loopback/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conversation, sender, text, message_id: id }),
      });
      if (response.status !== 200) throw new Error(`loopback answered ${response.status}: ${await response.text()}`);
    },
    platformSent: () => platform.sent.map(({ conversation, text, messageId }) => ({ conversation, text, messageId })),
    platformText: (messageId) => platform.current.get(messageId),
    failNextPlatformCall: (kind) => platform.failNext(failures[kind]),
    close: async () => {
      await adapter.stop();
      await http.close();
      await platform.stop();
    },
  };
});
