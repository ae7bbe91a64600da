import { HttpServer } from "../../src/http/http-server.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack, type SlackFailure } from "../fakes/fake-slack.js";
import { deliver, eventCallback, messageEvent, slackAdapter } from "../slack/slack-world.js";
import { type ChannelHarness, describeChannelContract, type PlatformFailure } from "./channel-contract.js";

const failures: Record<PlatformFailure, SlackFailure> = {
  rate: { kind: "rate", retryAfter: 2 },
  transient: { kind: "http", status: 500 },
  permanent: { kind: "error", error: "channel_not_found" },
};

describeChannelContract("SlackAdapter", async (): Promise<ChannelHarness> => {
  const slack = await new FakeSlack().start();
  const http = new HttpServer(createLogger("silent"));
  const { port } = await http.listen("127.0.0.1", 0);
  http.ready();
  const adapter = slackAdapter(slack);
  return {
    adapter,
    start: (host) =>
      adapter.start({ ...host, route: (method, path, handler, options) => http.route(method, path, handler, options) }),
    deliverFromPlatform: async (conversation, sender, text, id) => {
      const event = messageEvent({ channel: conversation, user: sender, text, ts: `1700000000.${id}`, dm: true });
      await deliver(port, eventCallback(event, `Ev${id}`));
    },
    platformSent: () =>
      slack
        .botMessages()
        .map((message) => ({ conversation: message.channel, text: message.text, messageId: message.ts })),
    platformText: (messageId) => [...slack.messages.values()].find((message) => message.ts === messageId)?.text,
    failNextPlatformCall: (kind) => slack.failNext(failures[kind]),
    close: async () => {
      await adapter.stop();
      await http.close();
      await slack.stop();
    },
  };
});
