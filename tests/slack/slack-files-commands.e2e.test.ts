import { describe, expect, it } from "vitest";
import type { Attachment } from "../../src/gateway/channel.js";
import { waitUntil } from "../fakes/fake-channel.js";
import { messageEvent, postSigned, slackWorlds } from "./slack-world.js";

const start = slackWorlds();

const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

describe("Slack files", () => {
  it("downloads shared files with the bot token within the limits and tells what it skipped", async () => {
    const w = await start();
    const file = (id: string, name: string, mimetype: string, bytes: Buffer, size = bytes.length) => ({
      id,
      name,
      mimetype,
      size,
      url_private: w.slack.addFile(id, bytes),
    });
    const files = [
      file("F1", "chart.png", "image/png", PNG),
      file("F2", "notes.md", "text/markdown", Buffer.from("# Notes\nship it")),
      file("F3", "deck.pdf", "application/pdf", Buffer.from("%PDF")),
      file("F4", "huge.log", "text/plain", Buffer.from("x"), 5 * 1024 * 1024),
      { ...file("F5", "elsewhere.txt", "text/plain", Buffer.from("secret")), url_private: "http://127.0.0.2:1/f" },
    ];
    const ts = "1700005000.000100";
    await w.deliver(
      messageEvent({ channel: "D1", dm: true, text: "look", ts, extra: { subtype: "file_share", files } }),
    );
    // The files are downloaded by the turn, before it asks the model.
    await waitUntil(() => w.h.fake.requests.length > 0);
    const [session] = await w.h.store.sessions.list({ states: ["active"] });
    const [row] = await w.h.store.queue.inboundOfSession(session?.id ?? "");
    const attachments = JSON.parse(row?.attachments ?? "[]") as Attachment[];
    expect(attachments).toEqual([
      { kind: "image", name: "chart.png", mimeType: "image/png", size: PNG.length, data: PNG.toString("base64") },
      { kind: "text", name: "notes.md", mimeType: "text/markdown", size: 15, data: "# Notes\nship it" },
      { kind: "unsupported", name: "deck.pdf", mimeType: "application/pdf", size: 4 },
    ]);
    expect(row?.text).toBe(
      "look\n[file huge.log skipped: larger than 4 MB]\n[file elsewhere.txt could not be downloaded]",
    );
    // The model gets the text file inlined and a note for what it cannot read (this model has no vision).
    const sent = JSON.stringify(w.h.fake.requests[0]?.messages);
    expect(sent).toContain("File notes.md:");
    expect(sent).toContain("ship it");
    expect(sent).toContain("chart.png (image/png); it was not read: this model cannot see images");
  });

  it("uploads a generated file into the thread with getUploadURLExternal and completeUploadExternal", async () => {
    const w = await start();
    const id = await w.adapter.uploadFile("slack:T1:C1:1700005100.000100", "report.csv", Buffer.from("a,b\n1,2\n"));
    expect(w.slack.uploads.get(id)?.toString()).toBe("a,b\n1,2\n");
    expect(w.slack.callsOf("files.getUploadURLExternal")).toEqual([{ filename: "report.csv", length: "8" }]);
    expect(w.slack.callsOf("files.completeUploadExternal")[0]).toMatchObject({
      channel_id: "C1",
      thread_ts: "1700005100.000100",
    });
  });
});

describe("Slack commands and status", () => {
  it("answers /gateway <command> ephemerally, and explains the usage for anything else", async () => {
    const w = await start();
    const form = (text: string, trigger: string) =>
      new URLSearchParams({
        command: "/gateway",
        text,
        team_id: "T1",
        channel_id: "C1",
        user_id: "U1",
        user_name: "ada",
        trigger_id: trigger,
        response_url: "http://127.0.0.1:1/unused",
      }).toString();
    const contentType = "application/x-www-form-urlencoded";
    const help = await postSigned(w.h.port, form("help", "t1"), { contentType });
    expect(help.status).toBe(200);
    const body = JSON.parse(help.body) as { response_type: string; text: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain("new");
    const other = JSON.parse((await postSigned(w.h.port, form("what is up", "t2"), { contentType })).body);
    expect(other.text).toContain("Usage");
    expect(w.slack.callsOf("chat.postMessage")).toHaveLength(0);
  });

  it("shows the thread status, naming the Expert that answers, while a turn runs", async () => {
    const w = await start();
    const root = "1700005200.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "status?", ts: root }));
    await waitUntil(() => w.replies("C1", root).length === 1);
    expect(w.slack.callsOf("assistant.threads.setStatus")[0]).toMatchObject({
      channel_id: "C1",
      thread_ts: root,
      status: "is answering as default…",
    });
  });
});
