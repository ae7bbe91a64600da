import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.js";
import { messageEvent, slackWorlds } from "./slack-world.js";

const start = slackWorlds();

describe("Slack is acknowledged before any download or look-up", () => {
  it("answers the event with 200 while the file host still holds the file, and the file then reaches the model", async () => {
    const w = await start();
    const release = w.slack.holdFiles();
    const files = [
      {
        id: "F1",
        name: "notes.md",
        mimetype: "text/markdown",
        size: 15,
        url_private: w.slack.addFile("F1", Buffer.from("# Notes\nship it")),
      },
    ];
    const ts = "1700006000.000100";
    await w.deliver(
      messageEvent({ channel: "D1", dm: true, text: "look", ts, extra: { subtype: "file_share", files } }),
    );
    // Slack had its 200 before the file was served; the stored message holds a reference, not bytes.
    expect(w.slack.filesServed).toBe(0);
    const [session] = await w.h.store.sessions.list({ states: ["active"] });
    const [row] = await w.h.store.queue.inboundOfSession(session?.id ?? "");
    expect(row?.attachments).toBeNull();
    expect(row?.deferred).toContain("F1");
    expect(w.slack.callsOf("users.info")).toHaveLength(0);
    // The turn downloads it (and looks up the sender's name) and only then asks the model.
    await waitFor(() => w.slack.fileRequests === 1, "the download, inside the turn");
    expect(w.h.fake.requests).toHaveLength(0);
    release();
    await waitFor(() => w.h.fake.requests.length === 1, "the model request");
    const sent = JSON.stringify(w.h.fake.requests[0]?.messages);
    expect(sent).toContain("File notes.md:");
    expect(sent).toContain("ship it");
    const [done] = await w.h.store.queue.inboundOfSession(session?.id ?? "");
    expect(done).toMatchObject({ senderName: "Ada", deferred: null });
    await waitFor(() => w.inChannel("D1").length === 1, "the answer");
  });
});
