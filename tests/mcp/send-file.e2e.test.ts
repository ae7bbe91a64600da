import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import type { FakeOpenAi } from "../fakes/fake-openai.js";
import { messageEvent, SlackWorld } from "../slack/slack-world.js";
import { shownTexts, startTelegramWorld, type TelegramWorld, waitShown } from "../telegram/telegram-world.js";
import { FAKE_SERVER, mcpSettings } from "./mcp-world.js";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const CSV = "region,revenue\nnorth,12\nsouth,7\n";
const options = { experts: [{ name: "default", tools: ["send_file"] }] };

let telegram: TelegramWorld | undefined;
let slack: SlackWorld | undefined;
afterEach(async () => {
  await telegram?.close();
  await slack?.close();
  telegram = undefined;
  slack = undefined;
});

function scriptFiles(fake: FakeOpenAi) {
  fake.reply(
    {
      kind: "tools",
      calls: [
        { id: "csv", name: "send_file", arguments: JSON.stringify({ name: "report.csv", text: CSV, caption: "Q3" }) },
        { id: "png", name: "send_file", arguments: JSON.stringify({ name: "dot.png", base64: PNG }) },
      ],
    },
    { kind: "text", text: "Here are the report and the chart." },
  );
}

/** The files folder beside the harness database is empty again once everything was uploaded. */
function filesLeft(dbPath: string): string[] {
  const dir = join(dbPath, "..", "files");
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe("send_file", () => {
  it("Telegram: a CSV goes out as a document and a PNG as a photo, each once, beside the answer", async () => {
    telegram = await startTelegramWorld({ gateway: options });
    scriptFiles(telegram.harness.fake);
    telegram.telegram.privateText("send me the report");
    const fake = telegram.telegram;
    await waitShown(fake, fake.user.id, "Here are the report and the chart.");
    await waitUntil(() => fake.callsOf("sendDocument").length + fake.callsOf("sendPhoto").length >= 2);
    expect(fake.callsOf("sendDocument")).toEqual([
      expect.objectContaining({ caption: "Q3", document: { filename: "report.csv", size: CSV.length } }),
    ]);
    expect(fake.callsOf("sendPhoto")).toEqual([
      expect.objectContaining({ photo: expect.objectContaining({ filename: "dot.png" }) }),
    ]);
    expect(shownTexts(fake, fake.user.id).filter((text) => text !== "")).toEqual([
      "Here are the report and the chart.",
    ]);
    const told = telegram.harness.fake.requests[1]?.messages
      .filter((m) => m.role === "tool")
      .map((m) => String(m.content));
    expect(told?.[0]).toContain("report.csv (text/csv, 1 kB) is on its way to the user");
    await waitUntil(() => filesLeft(telegram?.harness.dbPath ?? "").length === 0);
  }, 90_000);

  it("Slack: files are uploaded into the thread with getUploadURLExternal and completeUploadExternal, once", async () => {
    slack = await SlackWorld.start({}, options);
    slack.slack.streamRefusal = "not_allowed";
    scriptFiles(slack.h.fake);
    const root = "1700007000.000100";
    await slack.deliver(messageEvent({ channel: "C1", mention: true, text: "send me the report", ts: root }));
    await waitUntil(() => (slack?.slack.callsOf("files.completeUploadExternal").length ?? 0) >= 2);
    await waitUntil(() => slack?.replies("C1", root).includes("Here are the report and the chart.") ?? false);
    expect(slack.slack.callsOf("files.getUploadURLExternal")).toEqual([
      { filename: "report.csv", length: String(CSV.length) },
      { filename: "dot.png", length: "70" },
    ]);
    const completes = slack.slack.callsOf("files.completeUploadExternal");
    expect(completes[0]).toMatchObject({ channel_id: "C1", thread_ts: root, initial_comment: "Q3" });
    expect([...slack.slack.uploads.values()].map((bytes) => bytes.toString("utf8"))[0]).toBe(CSV);
    expect(slack.replies("C1", root)).toEqual(["Here are the report and the chart."]);
  }, 90_000);

  it("a file the model cannot describe gets a tool error it can correct, and nothing is sent", async () => {
    telegram = await startTelegramWorld({ gateway: options });
    telegram.harness.fake.reply(
      { kind: "tools", calls: [{ id: "bad", name: "send_file", arguments: JSON.stringify({ name: "x.txt" }) }] },
      { kind: "text", text: "Sorry." },
    );
    telegram.telegram.privateText("send nothing");
    const fake = telegram.telegram;
    await waitShown(fake, fake.user.id, "Sorry.");
    const told = telegram.harness.fake.requests[1]?.messages.find((m) => m.role === "tool");
    expect(String(told?.content)).toContain("give exactly one of text, base64 and from_tool_call");
    expect(fake.callsOf("sendDocument")).toEqual([]);
  }, 90_000);

  it("an image an MCP tool returned reaches the chat through send_file's from_tool_call", async () => {
    telegram = await startTelegramWorld({
      gateway: {
        mcp: mcpSettings([{ name: "fake", command: process.execPath, args: [FAKE_SERVER] }]),
        experts: [{ name: "default", tools: ["send_file", "fake.image"], tool_policies: { "fake.*": "auto" } }],
      },
    });
    const model = telegram.harness.fake;
    model.reply(
      { kind: "tools", calls: [{ id: "img", name: "fake__image", arguments: "{}" }] },
      {
        kind: "tools",
        calls: [
          { id: "send", name: "send_file", arguments: JSON.stringify({ name: "chart.png", from_tool_call: "img" }) },
        ],
      },
      { kind: "text", text: "Here is the chart." },
    );
    telegram.telegram.privateText("draw me a chart");
    const fake = telegram.telegram;
    await waitShown(fake, fake.user.id, "Here is the chart.");
    await waitUntil(() => fake.callsOf("sendPhoto").length > 0);
    expect(fake.callsOf("sendPhoto")).toEqual([
      expect.objectContaining({ photo: expect.objectContaining({ filename: "chart.png" }) }),
    ]);
    const imageResult = model.requests[1]?.messages.find((m) => m.role === "tool");
    expect(String(imageResult?.content)).toContain('send_file with from_tool_call "img"');
  }, 90_000);
});
