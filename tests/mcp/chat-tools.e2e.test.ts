import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import type { GatewayTestOptions } from "../gateway/gateway-harness.js";
import { messageEvent, SlackWorld } from "../slack/slack-world.js";
import { shownTexts, startTelegramWorld, type TelegramWorld, waitShown } from "../telegram/telegram-world.js";
import { DocsFolder, EverythingServer, FAKE_SERVER, mcpSettings } from "./mcp-world.js";

/** What the model was sent as tool results, by call id. */
function toolMessages(body: ChatRequestBody | undefined): Record<string, string> {
  return Object.fromEntries(
    (body?.messages ?? []).filter((m) => m.role === "tool").map((m) => [m.tool_call_id ?? "", String(m.content)]),
  );
}

const toolNames = (body: ChatRequestBody | undefined) => (body?.tools ?? []).map((tool) => tool.function.name);

describe("an Expert using MCP tools in Telegram and Slack", () => {
  const docs = new DocsFolder();
  const everything = new EverythingServer();
  let options: GatewayTestOptions;
  let telegram: TelegramWorld | undefined;
  let slack: SlackWorld | undefined;

  beforeAll(async () => {
    await everything.start();
    options = {
      mcp: mcpSettings([
        docs.server(),
        everything.server(),
        { name: "fake", command: process.execPath, args: [FAKE_SERVER], timeout_seconds: 60, max_output_chars: 2000 },
        // The timeout under test; a server of its own so that the other calls are never timed.
        { name: "stuck", command: process.execPath, args: [FAKE_SERVER], timeout_seconds: 1 },
      ]),
      experts: [
        {
          name: "default",
          tools: ["current_time", "files.*", "everything.echo", "fake.*", "stuck.hang"],
          // The fake servers mark no tool read-only (they would ask first); these tests are about the calls.
          tool_policies: {
            "files.write_*": "deny",
            "files.edit_file": "deny",
            "everything.*": "auto",
            "fake.*": "auto",
            "stuck.*": "auto",
          },
        },
      ],
    };
  }, 90_000);

  afterEach(async () => {
    await telegram?.close();
    await slack?.close();
    telegram = undefined;
    slack = undefined;
  });

  afterAll(async () => {
    await everything.stop();
    docs.cleanup();
  });

  const script = (world: { h: { fake: TelegramWorld["harness"]["fake"] } }) =>
    world.h.fake.reply(
      {
        kind: "tools",
        calls: [
          { id: "read", name: "files__read_text_file", arguments: JSON.stringify({ path: `${docs.dir}/notes.txt` }) },
          { id: "echo", name: "everything__echo", arguments: JSON.stringify({ message: "ping" }) },
        ],
      },
      { kind: "text", text: "The launch code is 4711." },
    );

  const checkModelSaw = (requests: ChatRequestBody[]) => {
    const [first, second] = requests;
    expect(toolNames(first)).toEqual(
      expect.arrayContaining(["current_time", "files__read_text_file", "everything__echo"]),
    );
    expect(toolNames(first)).not.toContain("files__write_file");
    expect(toolNames(first)).not.toContain("files__edit_file");
    expect(toolNames(first)).not.toContain("everything__get-sum");
    expect(toolMessages(second)).toEqual({ read: "the launch code is 4711", echo: "Echo: ping" });
  };

  it("Telegram: the model calls a tool of each server, reads the results, and the answer reaches the chat", async () => {
    telegram = await startTelegramWorld({ gateway: options });
    script({ h: telegram.harness });
    telegram.telegram.privateText("what is the launch code?");
    const user = telegram.telegram.user.id;
    await waitShown(telegram.telegram, user, "The launch code is 4711.");
    expect(shownTexts(telegram.telegram, user)).toEqual(["The launch code is 4711."]);
    checkModelSaw(telegram.harness.fake.requests);
  }, 90_000);

  it("Slack: the same turn answers in the thread", async () => {
    slack = await SlackWorld.start({}, options);
    slack.slack.streamRefusal = "not_allowed";
    script(slack);
    const root = "1700005000.000100";
    await slack.deliver(messageEvent({ channel: "C1", mention: true, text: "what is the launch code?", ts: root }));
    // A streamed preview ends in " …" until the final edit.
    await waitUntil(() => slack?.replies("C1", root).includes("The launch code is 4711.") ?? false);
    expect(slack.replies("C1", root)).toEqual(["The launch code is 4711."]);
    checkModelSaw(slack.h.fake.requests);
  }, 90_000);

  it("a server that hangs, floods, answers nonsense and dies mid-call leaves the gateway up and the user answered", async () => {
    telegram = await startTelegramWorld({ gateway: options });
    const { harness } = telegram;
    harness.fake.reply(
      {
        kind: "tools",
        calls: [
          { id: "hang", name: "stuck__hang", arguments: "{}" },
          { id: "big", name: "fake__big", arguments: "{}" },
          { id: "bad", name: "fake__malformed", arguments: "{}" },
          { id: "exit", name: "fake__exit", arguments: "{}" },
          { id: "after", name: "fake__echo", arguments: '{"text":"still there?"}' },
        ],
      },
      { kind: "text", text: "The tools are having a bad day." },
    );
    telegram.telegram.privateText("try the fake tools");
    const user = telegram.telegram.user.id;
    await waitShown(telegram.telegram, user, "The tools are having a bad day.");
    const seen = toolMessages(harness.fake.requests[1]);
    expect(seen.hang).toContain("no answer after 1 s");
    expect(seen.big).toContain("[output truncated");
    expect(seen.big?.length).toBeLessThan(3000);
    expect(seen.bad).toContain("malformed");
    expect(seen.exit).toContain("may or may not have run");
    expect(seen.after).toContain("not connected");
    // The gateway is still up: the next message gets its answer, with the server back after its restart.
    harness.fake.reply({ kind: "tools", calls: [{ id: "again", name: "fake__echo", arguments: '{"text":"back"}' }] });
    await waitUntil(async () => (await harness.mcp?.toolsFor(["fake.*"]))?.notes.length === 0);
    telegram.telegram.privateText("again");
    await waitUntil(() => (telegram?.harness.fake.requests.length ?? 0) >= 4);
    expect(toolMessages(harness.fake.requests[3]).again).toBe("echo: back");
  }, 120_000);

  it("/stop cancels a running MCP call at once instead of waiting for its timeout", async () => {
    telegram = await startTelegramWorld({
      gateway: {
        mcp: mcpSettings([{ name: "slow", command: process.execPath, args: [FAKE_SERVER], timeout_seconds: 600 }]),
        experts: [{ name: "default", tools: ["slow.hang"], tool_policies: { "slow.*": "auto" } }],
      },
    });
    const { harness } = telegram;
    harness.fake.reply({ kind: "tools", calls: [{ id: "hang", name: "slow__hang", arguments: "{}" }] });
    telegram.telegram.privateText("wait forever");
    const user = telegram.telegram.user.id;
    await waitUntil(async () => {
      const session = await harness.store.sessions.current(`telegram:${user}`);
      const entries = session ? await harness.store.transcript.list(session.id) : [];
      return entries.some((entry) => entry.kind === "tool_call");
    });
    telegram.telegram.privateText("/stop");
    // The call would hang for ten minutes; the stop ends the turn well within this wait.
    await waitShown(telegram.telegram, user, "Stopped.");
    const session = await harness.store.sessions.current(`telegram:${user}`);
    const entries = session ? await harness.store.transcript.list(session.id) : [];
    const turnId = entries.find((entry) => entry.kind === "tool_call")?.turnId ?? 0;
    expect((await harness.store.turns.get(turnId))?.state).toBe("cancelled");
  }, 120_000);
});
