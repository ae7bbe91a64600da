import { describe, expect, it } from "vitest";
import { userTexts } from "../gateway/gateway-harness.js";
import { waitFor } from "../support/wait.js";
import { messageEvent, slackWorlds } from "./slack-world.js";

const start = slackWorlds();

const thread = (type: string, context: string) => ({
  type,
  assistant_thread: {
    user_id: "U1",
    channel_id: "D1",
    thread_ts: "1700009500.000100",
    context: { channel_id: context, team_id: "T1" },
  },
  event_ts: "1700009500.000200",
});

describe("Slack's agent view (assistant threads)", () => {
  it("greets with the Expert's prompts, passes the channel context on, titles the thread and shows a status on each of two quick turns", async () => {
    const prompts = [{ title: "Explain a chart", message: "Explain the chart I paste next." }];
    const w = await start(
      {},
      {
        experts: [
          { name: "default", instructions: "You help.", greeting: "Hello! I read charts.", suggested_prompts: prompts },
        ],
      },
    );
    const root = "1700009500.000100";
    await w.deliver(thread("assistant_thread_started", "C9"));
    // Slack retries an event it thinks was lost: the thread is still greeted once.
    await w.deliver(thread("assistant_thread_started", "C9"), "EvAgain");
    await waitFor(() => w.slack.callsOf("assistant.threads.setSuggestedPrompts").length === 1, "the prompts");
    expect(w.slack.callsOf("assistant.threads.setSuggestedPrompts")[0]).toMatchObject({
      channel_id: "D1",
      thread_ts: root,
    });
    const sent = w.slack.callsOf("assistant.threads.setSuggestedPrompts")[0]?.prompts;
    expect(typeof sent === "string" ? JSON.parse(sent) : sent).toEqual(prompts);
    await waitFor(() => w.replies("D1", root).length === 1, "the greeting");
    expect(w.replies("D1", root)).toEqual(["Hello! I read charts."]);

    await w.deliver(thread("assistant_thread_context_changed", "C7"));
    await w.deliver(
      messageEvent({
        channel: "D1",
        dm: true,
        text: "what is this channel about?",
        ts: "1700009500.000300",
        threadTs: root,
      }),
    );
    await waitFor(() => w.replies("D1", root).length === 2, "the first answer");
    expect(userTexts(w.h.fake.requests[0]).join("\n")).toContain("looking at the channel C7");
    await w.deliver(
      messageEvent({ channel: "D1", dm: true, text: "and quickly again", ts: "1700009500.000400", threadTs: root }),
    );
    // Sent while the first turn may still be ending: then a "still answering" notice comes first.
    await waitFor(() => w.replies("D1", root).some((text) => text.includes("and quickly again")), "the second answer");
    // The context was told once; the second message goes as written.
    expect(userTexts(w.h.fake.requests[1]).at(-1)).toBe("and quickly again");

    const statuses = () => w.slack.callsOf("assistant.threads.setStatus").map((call) => call.status);
    await waitFor(() => statuses().filter((s) => s === "").length === 2, "the status cleared after each turn");
    expect(statuses().filter((s) => s === "is answering as default…")).toHaveLength(2);
    expect(statuses()).toHaveLength(4);
    expect(w.slack.callsOf("assistant.threads.setTitle")).toEqual([
      expect.objectContaining({ channel_id: "D1", thread_ts: root, title: "what is this channel about?" }),
    ]);
    expect(await w.h.store.sessions.list({ states: ["active"] })).toEqual([
      expect.objectContaining({ conversationKey: `slack:T1:D1:${root}` }),
    ]);
  });

  it("sets the DM's prompts, without a thread, when the Messages tab opens (the agent messaging experience)", async () => {
    const w = await start();
    await w.deliver({ type: "app_home_opened", user: "U1", channel: "D1", tab: "home", event_ts: "1.1" });
    await w.deliver({ type: "app_home_opened", user: "U1", channel: "D1", tab: "messages", event_ts: "1.2" });
    await waitFor(() => w.slack.callsOf("assistant.threads.setSuggestedPrompts").length === 1, "the prompts");
    const [call] = w.slack.callsOf("assistant.threads.setSuggestedPrompts");
    expect(call).toMatchObject({ channel_id: "D1" });
    expect(call?.thread_ts).toBeUndefined();
    // Opening the tab is not a conversation: nothing is posted or stored.
    expect(w.slack.botMessages("D1")).toEqual([]);
    expect(await w.h.store.sessions.list({ states: ["active"] })).toEqual([]);
  });

  it("offers general prompts when the Expert names none", async () => {
    const w = await start();
    await w.deliver(thread("assistant_thread_started", "C9"));
    await waitFor(() => w.slack.callsOf("assistant.threads.setSuggestedPrompts").length === 1, "the prompts");
    const sent = w.slack.callsOf("assistant.threads.setSuggestedPrompts")[0]?.prompts;
    const parsed = (typeof sent === "string" ? JSON.parse(sent) : sent) as { title: string }[];
    expect(parsed.map((p) => p.title)).toContain("What can you do?");
  });
});
