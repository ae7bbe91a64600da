import { describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { messageEvent, slackWorlds } from "./slack-world.js";

const start = slackWorlds();

describe("other apps' messages on Slack", () => {
  it("are never prompts: a mention, a DM and a thread reply by another app are ignored; a person's is answered", async () => {
    const w = await start();
    const app = { bot_id: "BOTHER", bot_profile: { id: "BOTHER", name: "other" } };
    const root = "1700000900.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "bot says hi", ts: root, extra: app }));
    await w.deliver(
      messageEvent({
        channel: "C1",
        mention: true,
        text: "bot_message subtype",
        ts: "1700000900.000200",
        extra: { subtype: "bot_message", bot_id: "BOTHER" },
      }),
    );
    await w.deliver(
      messageEvent({ channel: "D1", dm: true, text: "bot in a DM", ts: "1700000900.000300", extra: app }),
    );
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "a person asks", ts: "1700000900.000400" }));
    await waitUntil(() => w.replies("C1", "1700000900.000400").length === 1);
    const prompts = w.h.fake.requests.flatMap((body) => userTexts(body));
    expect(prompts).toEqual(["a person asks"]);
    expect(await w.h.store.sessions.list({ states: ["active", "inactive"] })).toHaveLength(1);
  });
});
