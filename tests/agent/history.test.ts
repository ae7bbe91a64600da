import { describe, expect, it } from "vitest";
import { INTERRUPTED_TOOL_RESULT, toChatMessages } from "../../src/agent/history.js";
import type { ChatMessage } from "../../src/agent/messages.js";
import type { TranscriptEntry } from "../../src/store/types.js";

const chat = (entries: TranscriptEntry[], vision = false) => toChatMessages(entries, { vision });

const INTERRUPTED = INTERRUPTED_TOOL_RESULT;

let nextId = 1;

function row(fields: Pick<TranscriptEntry, "kind" | "content"> & Partial<TranscriptEntry>): TranscriptEntry {
  const id = nextId++;
  return {
    id,
    sessionId: "session-1",
    turnId: null,
    step: null,
    toolCallId: null,
    toolName: null,
    toolOk: null,
    senderId: null,
    senderName: null,
    platformMessageId: null,
    expert: null,
    createdAt: 1_700_000_000_000 + id,
    attachments: null,
    ...fields,
  };
}

const user = (content: string, senderName: string | null = null) =>
  row({ kind: "user", content, senderName, senderId: senderName ? `id-${senderName}` : null });
const assistant = (turnId: number, step: number, content: string) =>
  row({ kind: "assistant", turnId, step, content, expert: "helper" });
const toolCall = (turnId: number, step: number, id: string | null, name: string, args: string) =>
  row({ kind: "tool_call", turnId, step, toolCallId: id, toolName: name, content: args });
const toolResult = (turnId: number, step: number, id: string, content: string, ok = true) =>
  row({ kind: "tool_result", turnId, step, toolCallId: id, content, toolOk: ok });

describe("toChatMessages", () => {
  it("groups the text and tool calls of one turn and step into one assistant message", () => {
    const messages = chat([
      user("what is 1+1 and 2+1?"),
      assistant(1, 1, "Let me compute."),
      toolCall(1, 1, "c1", "add", '{"a":1,"b":1}'),
      toolCall(1, 1, "c2", "add", '{"a":2,"b":1}'),
      toolResult(1, 1, "c1", "2"),
      toolResult(1, 1, "c2", "3"),
      assistant(1, 2, "2 and 3."),
    ]);
    expect(messages).toEqual<ChatMessage[]>([
      { role: "user", content: "what is 1+1 and 2+1?" },
      {
        role: "assistant",
        content: "Let me compute.",
        toolCalls: [
          { id: "c1", name: "add", arguments: '{"a":1,"b":1}' },
          { id: "c2", name: "add", arguments: '{"a":2,"b":1}' },
        ],
      },
      { role: "tool", toolCallId: "c1", content: "2" },
      { role: "tool", toolCallId: "c2", content: "3" },
      { role: "assistant", content: "2 and 3." },
    ]);
  });

  it("gives a tool-calls-only step an assistant message with empty text", () => {
    const messages = chat([
      user("go"),
      toolCall(4, 1, "c1", "search", '{"q":"x"}'),
      toolResult(4, 1, "c1", "found"),
      assistant(4, 2, "found it"),
    ]);
    expect(messages.slice(1)).toEqual<ChatMessage[]>([
      { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "search", arguments: '{"q":"x"}' }] },
      { role: "tool", toolCallId: "c1", content: "found" },
      { role: "assistant", content: "found it" },
    ]);
  });

  it("keeps assistant rows of different turns apart", () => {
    const messages = chat([user("a"), assistant(1, 1, "one"), user("b"), assistant(2, 1, "two")]);
    expect(messages).toEqual<ChatMessage[]>([
      { role: "user", content: "a" },
      { role: "assistant", content: "one" },
      { role: "user", content: "b" },
      { role: "assistant", content: "two" },
    ]);
  });

  it("answers a tool call left without result before the next user message", () => {
    const messages = chat([user("run it"), toolCall(1, 1, "c1", "slow", "{}"), user("hello? anyone?")]);
    expect(messages).toEqual<ChatMessage[]>([
      { role: "user", content: "run it" },
      { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "slow", arguments: "{}" }] },
      { role: "tool", toolCallId: "c1", content: INTERRUPTED },
      { role: "user", content: "hello? anyone?" },
    ]);
  });

  it("keeps a resumed attempt's answer apart from a call of the same step whose result was lost", () => {
    const messages = chat([user("run it"), toolCall(1, 1, "c1", "slow", "{}"), assistant(1, 1, "Done.")]);
    expect(messages).toEqual<ChatMessage[]>([
      { role: "user", content: "run it" },
      { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "slow", arguments: "{}" }] },
      { role: "tool", toolCallId: "c1", content: INTERRUPTED },
      { role: "assistant", content: "Done." },
    ]);
  });

  it("answers a tool call left without result at the end of the transcript", () => {
    const messages = chat([user("run it"), assistant(1, 1, "Running."), toolCall(1, 1, "c1", "slow", "{}")]);
    expect(messages.at(-1)).toEqual<ChatMessage>({ role: "tool", toolCallId: "c1", content: INTERRUPTED });
    expect(messages).toHaveLength(3);
  });

  it("answers only the unanswered one of two calls", () => {
    const messages = chat([
      user("both"),
      toolCall(1, 1, "c1", "add", '{"a":1,"b":1}'),
      toolCall(1, 1, "c2", "add", '{"a":2,"b":2}'),
      toolResult(1, 1, "c1", "2"),
      assistant(1, 2, "partial"),
    ]);
    expect(messages.slice(2)).toEqual<ChatMessage[]>([
      { role: "tool", toolCallId: "c1", content: "2" },
      { role: "tool", toolCallId: "c2", content: INTERRUPTED },
      { role: "assistant", content: "partial" },
    ]);
  });

  it("answers the unanswered one of two calls when the second was the one answered", () => {
    const messages = chat([
      user("both"),
      toolCall(1, 1, "c1", "add", "{}"),
      toolCall(1, 1, "c2", "add", "{}"),
      toolResult(1, 1, "c2", "ok"),
    ]);
    const tools = messages.filter((message) => message.role === "tool");
    expect(tools).toEqual<ChatMessage[]>([
      { role: "tool", toolCallId: "c2", content: "ok" },
      { role: "tool", toolCallId: "c1", content: INTERRUPTED },
    ]);
  });

  it("keeps a failed tool result as stored", () => {
    const messages = chat([
      user("x"),
      toolCall(1, 1, "c1", "add", "{"),
      toolResult(1, 1, "c1", "error: arguments are not valid JSON: {", false),
    ]);
    expect(messages.at(-1)).toEqual<ChatMessage>({
      role: "tool",
      toolCallId: "c1",
      content: "error: arguments are not valid JSON: {",
    });
    expect(messages.filter((message) => message.content === INTERRUPTED)).toEqual([]);
  });

  it("makes up an id for a tool call stored without one", () => {
    const call = toolCall(1, 1, null, "add", "{}");
    const [, message] = chat([user("x"), call]);
    expect(message).toEqual<ChatMessage>({
      role: "assistant",
      content: "",
      toolCalls: [{ id: `call_${call.id}`, name: "add", arguments: "{}" }],
    });
  });

  it("prefixes sender names of user rows when several people talk", () => {
    const messages = chat([
      user("hi bot", "Ann"),
      assistant(1, 1, "hi Ann"),
      user("me too", "Bob"),
      assistant(2, 1, "hi Bob"),
    ]);
    expect(messages.map((message) => message.content)).toEqual(["Ann: hi bot", "hi Ann", "Bob: me too", "hi Bob"]);
  });

  it("leaves out the name when only one person talks", () => {
    const messages = chat([user("first", "Ann"), assistant(1, 1, "ok"), user("second", "Ann")]);
    expect(messages.map((message) => message.content)).toEqual(["first", "ok", "second"]);
  });

  it("turns system and summary rows into system messages", () => {
    const messages = chat([
      row({ kind: "summary", content: "Earlier: they talked about cats." }),
      row({ kind: "system", content: "The user switched Expert." }),
      user("hi"),
    ]);
    expect(messages).toEqual<ChatMessage[]>([
      { role: "system", content: "Earlier: they talked about cats." },
      { role: "system", content: "The user switched Expert." },
      { role: "user", content: "hi" },
    ]);
  });

  it("returns nothing for an empty transcript", () => {
    expect(chat([])).toEqual([]);
  });

  describe("attachments", () => {
    const files = JSON.stringify([
      { kind: "image", name: "cat.jpg", mimeType: "image/jpeg", size: 3, data: "AAEC" },
      { kind: "text", name: "notes.md", mimeType: "text/markdown", size: 5, data: "# hi" },
      { kind: "unsupported", name: "voice.ogg", mimeType: "audio/ogg", size: 9 },
    ]);

    it("gives a vision model the image and every model the text file and a note on the rest", () => {
      const [seeing] = chat([row({ kind: "user", content: "look", attachments: files })], true);
      expect(seeing).toEqual({
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", url: "data:image/jpeg;base64,AAEC" },
          { type: "text", text: "File notes.md:\n```\n# hi\n```" },
          { type: "text", text: expect.stringContaining("voice.ogg (audio/ogg); it was not read") },
        ],
      });
      const [blind] = chat([row({ kind: "user", content: "look", attachments: files })], false);
      expect(typeof blind?.content).toBe("string");
      expect(blind?.content).toContain("cat.jpg (image/jpeg); it was not read: this model cannot see images");
      expect(blind?.content).toContain("# hi");
    });
  });
});
