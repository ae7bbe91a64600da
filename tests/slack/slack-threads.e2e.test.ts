import { describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { Gate, userTexts } from "../gateway/gateway-harness.js";
import { messageEvent, slackWorlds } from "./slack-world.js";

const start = slackWorlds();

describe("Slack threads are sessions", () => {
  it("answers in the thread under a mention, and later thread messages reach the session without one", async () => {
    const w = await start();
    const root = "1700000200.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "first question", ts: root }));
    await waitUntil(() => w.replies("C1", root).length === 1);
    // The answer may show before its turn has ended; a follow-up then would rightly be queued.
    await waitUntil(async () => {
      const [session] = await w.h.store.sessions.list({ states: ["active"] });
      return session !== undefined && !(await w.h.store.queue.isRunning(session.id));
    });
    await w.deliver(
      messageEvent({ channel: "C1", user: "U2", text: "a follow-up", ts: "1700000200.000300", threadTs: root }),
    );
    await waitUntil(() => w.replies("C1", root).length === 2);
    // Once two people talk in a session, the core names who said what.
    expect(w.replies("C1", root)).toEqual(["echo: first question", "echo: Grace: a follow-up"]);
    const sessions = await w.h.store.sessions.list({ states: ["active"] });
    expect(sessions).toHaveLength(1);
    // Each turn carries the sender's name.
    const last = w.h.fake.requests.at(-1)?.messages.filter((m) => m.role === "user") ?? [];
    const inbound = await w.h.store.queue.inboundOfSession(sessions[0]?.id ?? "");
    expect(inbound.map((row) => row.senderName)).toEqual(["Ada", "Grace"]);
    expect(last.length).toBeGreaterThanOrEqual(2);
  });

  it("with replies for mentions only, ignores unmentioned thread messages", async () => {
    const w = await start({ replyInThreads: "mentions" });
    const root = "1700000300.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "hello", ts: root }));
    await waitUntil(() => w.replies("C1", root).length === 1);
    await w.deliver(messageEvent({ channel: "C1", text: "people talking", ts: "1700000300.000200", threadTs: root }));
    await w.deliver(
      messageEvent({ channel: "C1", mention: true, text: "and you?", ts: "1700000300.000300", threadTs: root }),
    );
    await waitUntil(() => w.replies("C1", root).length === 2);
    expect(w.replies("C1", root)).toEqual(["echo: hello", "echo: and you?"]);
    // Commands still work without a mention.
    await w.deliver(messageEvent({ channel: "C1", text: "!status", ts: "1700000300.000400", threadTs: root }));
    await waitUntil(() => w.replies("C1", root).length === 3);
    expect(w.h.fake.requests).toHaveLength(2);
  });

  it("after a restart, still knows the threads it is in (from the store, without asking Slack)", async () => {
    const w = await start();
    const root = "1700000400.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "start", ts: root }));
    await waitUntil(() => w.replies("C1", root).length === 1);
    await w.h.restart();
    const before = w.slack.callsOf("conversations.replies").length;
    await w.deliver(messageEvent({ channel: "C1", text: "more please", ts: "1700000400.000300", threadTs: root }));
    await w.deliver(messageEvent({ channel: "C2", text: "not our thread", ts: "1700000400.000400", threadTs: "1.0" }));
    await waitUntil(() => w.replies("C1", root).length === 2);
    expect(userTexts(w.h.fake.requests.at(-1))).toEqual(["start", "more please"]);
    expect(w.slack.callsOf("conversations.replies")).toHaveLength(before);
    expect(await w.h.store.sessions.list({ states: ["active", "inactive"] })).toHaveLength(1);
  });

  it("gives the model the earlier thread messages when first mentioned inside a thread", async () => {
    const w = await start();
    const root = "1700000500.000100";
    w.slack.addMessage({ channel: "C1", ts: root, text: "Deploy failed again", user: "U1" });
    w.slack.addMessage({
      channel: "C1",
      ts: "1700000500.000200",
      thread_ts: root,
      text: "it is the <#C9|ops> cache",
      user: "U2",
    });
    await w.deliver(
      messageEvent({
        channel: "C1",
        mention: true,
        text: "what do you think?",
        ts: "1700000500.000300",
        threadTs: root,
      }),
    );
    await waitUntil(() => w.h.fake.requests.length === 1);
    const [text] = userTexts(w.h.fake.requests[0]);
    expect(text).toContain("what do you think?");
    expect(text).toContain(
      "Earlier in this thread, for context:\nAda: Deploy failed again\nGrace: it is the #ops cache",
    );
    await waitUntil(() => w.replies("C1", root).length === 1);
  });

  it("runs two threads at once, and queues a message typed mid-answer", async () => {
    const w = await start();
    const gate = new Gate();
    gate.close();
    w.h.fake.beforeReply = () => gate.wait();
    const a = "1700000600.000100";
    const b = "1700000600.000200";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "[a] one", ts: a }));
    await w.deliver(messageEvent({ channel: "C2", mention: true, text: "[b] two", ts: b }));
    await waitUntil(() => w.h.fake.active.size === 2);
    await w.deliver(messageEvent({ channel: "C1", text: "[a] and also", ts: "1700000600.000300", threadTs: a }));
    gate.open();
    await waitUntil(() => w.replies("C1", a).some((text) => text.includes("and also")));
    await waitUntil(() => w.replies("C2", b).length === 1);
    expect(w.replies("C2", b)).toEqual(["echo: [b] two"]);
    const inA = w.replies("C1", a);
    expect(inA).toContain("echo: [a] one");
    expect(inA.filter((text) => text.startsWith("Got it."))).toHaveLength(1);
  });

  it("takes the Expert from +name and answers !commands in threads", async () => {
    const w = await start({}, { experts: [{ name: "writer", instructions: "You write." }] });
    const root = "1700000800.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "+writer a haiku", ts: root }));
    await waitUntil(() => w.replies("C1", root).length === 1);
    const [session] = await w.h.store.sessions.list({ states: ["active"] });
    expect(session?.expert).toBe("writer");
    await w.deliver(messageEvent({ channel: "C1", text: "!status", ts: "1700000800.000200", threadTs: root }));
    await waitUntil(() => w.replies("C1", root).length === 2);
    expect(w.replies("C1", root)[1]).toContain("writer");
    expect(w.h.fake.requests).toHaveLength(1);
  });
});
