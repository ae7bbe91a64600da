import { describe, expect, it } from "vitest";
import { INTERRUPTED_TOOL_RESULT, NOT_RUN_TOOL_RESULT, toChatMessages } from "../../src/agent/history.js";
import type { ChatMessage } from "../../src/agent/messages.js";
import type { TranscriptEntry } from "../../src/store/types.js";

let nextId = 1;
function row(fields: Pick<TranscriptEntry, "kind" | "content"> & Partial<TranscriptEntry>): TranscriptEntry {
  const id = nextId++;
  return {
    id,
    sessionId: "s",
    turnId: 1,
    step: 1,
    toolCallId: null,
    toolName: null,
    toolOk: null,
    senderId: null,
    senderName: null,
    platformMessageId: null,
    expert: null,
    createdAt: id,
    attachments: null,
    ...fields,
  };
}
const user = (content: string) => row({ kind: "user", content, turnId: null, step: null });
const call = (id: string) => row({ kind: "tool_call", toolCallId: id, toolName: "files__write_file", content: "{}" });
const result = (id: string, content: string, attachments: string | null = null) =>
  row({ kind: "tool_result", toolCallId: id, content, toolOk: true, attachments });

describe("tool calls in a rebuilt history", () => {
  it("never asks to run a completed call again; the first unanswered may have run, the later ones did not", () => {
    const messages = toChatMessages([user("do three things"), call("a"), call("b"), call("c"), result("a", "done")]);
    expect(messages.filter((m) => m.role === "tool")).toEqual<ChatMessage[]>([
      { role: "tool", toolCallId: "a", content: "done" },
      { role: "tool", toolCallId: "b", content: INTERRUPTED_TOOL_RESULT },
      { role: "tool", toolCallId: "c", content: NOT_RUN_TOOL_RESULT },
    ]);
    expect(INTERRUPTED_TOOL_RESULT).toContain("may or may not have run");
  });

  it("shows images a tool returned to a vision model after the step's results, and only names them otherwise", () => {
    const image = JSON.stringify([{ kind: "image", name: "i", mimeType: "image/png", size: 3, data: "AAAA" }]);
    const entries = [
      user("draw"),
      call("a"),
      call("b"),
      result("a", "[image: image/png, 1 kB]", image),
      result("b", "ok"),
    ];
    const seeing = toChatMessages(entries, { vision: true });
    expect(seeing.map((m) => m.role)).toEqual(["user", "assistant", "tool", "tool", "user"]);
    expect(seeing.at(-1)).toMatchObject({
      content: [{ type: "text" }, { type: "image", url: "data:image/png;base64,AAAA" }],
    });
    expect(toChatMessages(entries, { vision: false }).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "tool",
    ]);
  });
});
