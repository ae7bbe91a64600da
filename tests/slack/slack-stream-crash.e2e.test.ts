import Database from "better-sqlite3";
import { describe, expect } from "vitest";
import { freePort, cliTest as it, waitFor } from "../cli/run-cli.js";
import { BOT_ID, FakeSlack } from "../fakes/fake-slack.js";
import { eventCallback, messageEvent, slackWorlds } from "./slack-world.js";

/** The stream a running turn recorded, read from the gateway's database the way another process would. */
function recordedStream(db: string): string | undefined {
  const reader = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const row = reader
      .prepare<[], { id: string | null }>("SELECT stream_message_id AS id FROM turns WHERE state = 'running'")
      .get();
    return row?.id ?? undefined;
  } catch {
    return undefined;
  } finally {
    reader.close();
  }
}

/** A `gateway start` on Socket Mode against `slack`, answering everyone. */
async function socketModeEnv(slack: FakeSlack): Promise<Record<string, string>> {
  return {
    PORT: String(await freePort()),
    HOST: "127.0.0.1",
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_APP_TOKEN: "xapp-test",
    SLACK_API_URL: slack.apiUrl,
    GATEWAY_ALLOW: "*",
  };
}

describe("a native Slack stream survives kill -9", () => {
  it("stops and marks the stream a killed process left open, then answers once", async ({
    cli: { box, fake },
    onTestFinished,
  }) => {
    const slack = await new FakeSlack().start();
    onTestFinished(() => slack.stop());
    const env = await socketModeEnv(slack);
    // The model streams "ec" and then holds the rest: the gateway is killed mid-stream.
    fake.script.push({
      kind: "text",
      text: "echo: the whole answer",
      pieces: ["ec", "ho: the whole answer"],
      pause: { afterPieces: 1, until: new Promise(() => {}) },
    });
    const first = box.spawn(["start"], env);
    await waitFor(() => slack.socketCount === 1, "the first process's Socket Mode connection");
    const root = "1700007000.000100";
    slack.sendEnvelope(
      "events_api",
      eventCallback(messageEvent({ channel: "C1", mention: true, text: "tell me", ts: root })),
    );
    const streamTs = await waitFor(() => recordedStream(box.db), "the stream's ts, stored when it opened");
    expect(slack.messages.get(`C1/${streamTs}`)).toMatchObject({ streaming: true, text: "ec" });
    first.child.kill("SIGKILL");
    await first.done;

    const second = box.spawn(["start"], env);
    const answered = () =>
      slack.botMessages("C1").filter((m) => m.thread_ts === root && !m.streaming && m.text.includes("echo: tell me"));
    await waitFor(() => answered().length > 0, "the answer after the restart");
    second.child.kill("SIGTERM");
    expect((await second.done).code).toBe(0);

    const inThread = slack.botMessages("C1").filter((m) => m.thread_ts === root);
    expect(inThread.filter((m) => m.streaming)).toEqual([]);
    expect(slack.messages.get(`C1/${streamTs}`)?.text).toBe("ec\n\n_(interrupted)_");
    expect(answered()).toHaveLength(1);
    expect(inThread.every((m) => m.bot_id === BOT_ID)).toBe(true);
    // Stopped before the answer was sent.
    const order = slack.calls.map((call) => call.method);
    const stopped = slack.calls.findIndex((call) => call.method === "chat.stopStream" && call.params.ts === streamTs);
    const lastPost = order.lastIndexOf("chat.postMessage");
    const lastStart = order.lastIndexOf("chat.startStream");
    expect(stopped).toBeGreaterThanOrEqual(0);
    expect(stopped).toBeLessThan(Math.max(lastPost, lastStart));
    // The next process streams the answer too: who it answers comes from the stored message, not
    // from the process that received it (as with several gateways on one database).
    const starts = slack.calls.filter((call) => call.method === "chat.startStream");
    expect(starts.map((call) => call.params.recipient_user_id)).toEqual(["U1", "U1"]);
  });

  it("a stream that showed the whole answer, killed before the answer was recorded: marked interrupted, answered once", async ({
    cli: { box },
    onTestFinished,
  }) => {
    const slack = await new FakeSlack().start();
    onTestFinished(() => slack.stop());
    const env = await socketModeEnv(slack);
    const first = box.spawn(["start"], { ...env, GATEWAY_TEST_CRASH_AT: "after-stream-before-record" });
    await waitFor(() => slack.socketCount === 1, "the first process's Socket Mode connection");
    const root = "1700007200.000100";
    slack.sendEnvelope(
      "events_api",
      eventCallback(messageEvent({ channel: "C1", mention: true, text: "tell me", ts: root })),
    );
    expect((await first.done).signal).toBe("SIGKILL");
    const [left] = slack.botMessages("C1").filter((m) => m.thread_ts === root);
    // The whole answer was streamed, but the stream was not stopped: it was not recorded yet.
    expect(left).toMatchObject({ streaming: true, text: "echo: tell me" });

    const second = box.spawn(["start"], env);
    const finished = () =>
      slack.botMessages("C1").filter((m) => m.thread_ts === root && !m.streaming && m.text === "echo: tell me");
    await waitFor(() => finished().length > 0, "the answer after the restart");
    second.child.kill("SIGTERM");
    expect((await second.done).code).toBe(0);
    expect(slack.messages.get(`C1/${left?.ts}`)).toMatchObject({
      streaming: false,
      text: "echo: tell me\n\n_(interrupted)_",
    });
    expect(finished()).toHaveLength(1);
    expect(slack.botMessages("C1").filter((m) => m.streaming)).toEqual([]);
  });
});

describe("a native Slack stream across a graceful restart", () => {
  const start = slackWorlds();

  it("marks the stream interrupted when the gateway stops mid-answer, and the next start answers once", async () => {
    const w = await start();
    w.h.fake.reply({
      kind: "text",
      text: "echo: the whole answer",
      pieces: ["ec", "ho: the whole answer"],
      pause: { afterPieces: 1, until: new Promise(() => {}) },
    });
    const root = "1700007100.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "tell me", ts: root }));
    const streaming = await waitFor(
      () => w.slack.botMessages("C1").find((m) => m.streaming && m.text === "ec"),
      "the stream showing the first piece",
    );
    await w.h.restart();
    // The answer streams too: it is done once its own stream has been stopped.
    await waitFor(
      () => w.replies("C1", root).includes("echo: tell me") && !w.slack.botMessages("C1").some((m) => m.streaming),
      "the answer after the restart, its stream stopped",
    );
    expect(w.slack.messages.get(`C1/${streaming.ts}`)).toMatchObject({
      streaming: false,
      text: "ec\n\n_(interrupted)_",
    });
    expect(w.replies("C1", root).filter((text) => text.includes("echo: tell me"))).toHaveLength(1);
    expect(w.slack.botMessages("C1").filter((m) => m.streaming)).toEqual([]);
  });
});
