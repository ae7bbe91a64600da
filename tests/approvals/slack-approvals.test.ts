import { describe, expect, it } from "vitest";
import { DocsFolder } from "../mcp/mcp-world.js";
import { lastButtons, messageEvent, press, slackWorlds } from "../slack/slack-world.js";
import { waitFor } from "../support/wait.js";
import { approvalSetup, noteText, scriptWriter, toolAnswer } from "./approval-world.js";

const start = slackWorlds();

describe("tool approvals on Slack", () => {
  it("Deny tells the model, the answer says so, and the request shows who denied it", async () => {
    const docs = new DocsFolder();
    try {
      const w = await start({}, approvalSetup(docs));
      scriptWriter(w.h.fake, docs.dir);
      const root = "1700009000.000100";
      await w.deliver(messageEvent({ channel: "C1", user: "U1", text: "write the note", ts: root, mention: true }));
      await waitFor(() => lastButtons(w, "C1", root).buttons.length === 3, "the request's buttons");
      const { ts, buttons } = lastButtons(w, "C1", root);
      expect(buttons.map((button) => button.text.text)).toEqual(["Approve", "Deny", "Always allow in this session"]);
      const deny = buttons[1];
      if (!deny) throw new Error("no Deny button");

      // Someone else's press is refused to them alone.
      expect((await press(w, "U2", "C1", root, ts, deny)).status).toBe(200);
      await waitFor(() => w.slack.ephemerals.length === 1, "the refusal");
      expect(w.slack.ephemerals[0]).toMatchObject({ channel: "C1", user: "U2" });

      expect((await press(w, "U1", "C1", root, ts, deny)).status).toBe(200);
      await waitFor(
        () => w.replies("C1", root).some((text) => text.startsWith("Not done: ")),
        () => `the answer; thread shows ${JSON.stringify(w.replies("C1", root))}`,
      );
      expect(toolAnswer(w.h.fake.requests.at(-1))).toMatch(/^error: denied: .*decided by slack:U1/);
      expect(noteText(docs)).toBeUndefined();
      await waitFor(
        () => w.replies("C1", root).some((text) => text.includes("Denied by slack:U1")),
        "the request edited to show the outcome",
      );
      // The edit replaced the buttons.
      expect(lastButtons(w, "C1", root).buttons).toEqual([]);
    } finally {
      docs.cleanup();
    }
  });
});
