import { describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { messageEvent, slackWorlds } from "./slack-world.js";

const start = slackWorlds();

const dm = (text: string, ts: string, threadTs?: string) =>
  messageEvent({ channel: "D1", dm: true, text, ts, ...(threadTs ? { threadTs } : {}) });

describe("Slack DMs are one running conversation", () => {
  it("continues the DM's session with each top-level message and answers in the DM itself", async () => {
    const w = await start();
    await w.deliver(dm("my name is Ada", "1700009000.000100"));
    await waitUntil(() => w.inChannel("D1").length === 1);
    await w.deliver(dm("what is my name?", "1700009000.000200"));
    await waitUntil(() => w.inChannel("D1").length === 2);
    expect(w.inChannel("D1")).toEqual(["echo: my name is Ada", "echo: what is my name?"]);
    // Nothing went into a thread.
    expect(w.slack.botMessages("D1").filter((m) => m.thread_ts !== undefined)).toEqual([]);
    // The second request holds the first exchange.
    expect(userTexts(w.h.fake.requests[1])).toEqual(["my name is Ada", "what is my name?"]);
    expect(await w.h.store.sessions.list({ states: ["active", "inactive"] })).toHaveLength(1);
  });

  it("starts a fresh session on `new`, and keeps a thread opened inside the DM as its own session", async () => {
    const w = await start();
    await w.deliver(dm("first topic", "1700009100.000100"));
    await waitUntil(() => w.inChannel("D1").length === 1);
    const [first] = await w.h.store.sessions.list({ states: ["active"] });
    await w.deliver(dm("!new", "1700009100.000200"));
    await waitUntil(() => w.inChannel("D1").length === 2);
    expect(w.inChannel("D1")[1]).toContain("Started a new session");
    await w.deliver(dm("second topic", "1700009100.000300"));
    await waitUntil(() => w.inChannel("D1").length === 3);
    expect(userTexts(w.h.fake.requests[1])).toEqual(["second topic"]);
    // A thread under the first answer is a conversation of its own, answered in that thread.
    const root = w.slack.botMessages("D1")[0]?.ts ?? "";
    await w.deliver(dm("about that answer", "1700009100.000400", root));
    await waitUntil(() => w.replies("D1", root).length === 1);
    expect(userTexts(w.h.fake.requests[2])).toEqual(["about that answer"]);
    const all = await w.h.store.sessions.list({ states: ["active", "inactive"] });
    expect(all.map((s) => s.conversationKey).sort()).toEqual(["slack:T1:D1", "slack:T1:D1", `slack:T1:D1:${root}`]);
    // The first DM session stays listed in the DM and can be resumed there.
    await w.deliver(dm("!sessions", "1700009100.000500"));
    await waitUntil(() => w.inChannel("D1").length === 4);
    expect(w.inChannel("D1")[3]).toContain(first?.id ?? "?");
    await w.deliver(dm(`!resume ${first?.id}`, "1700009100.000600"));
    await waitUntil(() => w.inChannel("D1").length === 5);
    await w.deliver(dm("back to it", "1700009100.000700"));
    await waitUntil(() => w.inChannel("D1").length === 6);
    expect(userTexts(w.h.fake.requests[3])).toEqual(["first topic", "back to it"]);
  });
});
