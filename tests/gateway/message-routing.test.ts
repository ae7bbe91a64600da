import { describe, expect, it } from "vitest";
import { type AcceptInput, acceptPolicy, admitMessage, routeMessage } from "../../src/gateway/message-routing.js";
import type { Session } from "../../src/store/types.js";

const session = (id: string, extra: Partial<Session> = {}): Session => ({
  id,
  channel: "telegram",
  conversationKey: "telegram:1",
  expert: "default",
  title: "t",
  owner: null,
  state: "active",
  origin: "chat",
  mode: null,
  sharing: null,
  createdAt: 1,
  updatedAt: 1,
  archivedAt: null,
  ...extra,
});

const input: AcceptInput = {
  channel: "telegram",
  conversationKey: "telegram:1",
  text: "  hello\n  world ",
  platformMessageId: "77",
  session: { expert: "default", origin: "chat", owner: "telegram:ann", title: "hello world", mode: null },
  cap: 2,
  notices: (s) => ({ queued: `queued in ${s.expert}`, overflow: "too many" }),
};

describe("routing a message to a session", () => {
  it("creates a session on first contact, in the message's conversation", () => {
    expect(routeMessage({ repliedTo: undefined, current: undefined }, input)).toEqual({
      create: { ...input.session, channel: "telegram", conversationKey: "telegram:1" },
    });
  });

  it("goes to the current session, reopening it only when it is not active", () => {
    const current = session("s1");
    expect(routeMessage({ repliedTo: undefined, current }, input)).toEqual({ sessionId: "s1", reopen: false });
    const archived = session("s1", { state: "archived" });
    expect(routeMessage({ repliedTo: undefined, current: archived }, input)).toEqual({ sessionId: "s1", reopen: true });
  });

  it("follows a reply to the session that sent the message, reopening it as the current one", () => {
    const older = session("s0", { state: "inactive" });
    expect(routeMessage({ repliedTo: older, current: session("s1") }, input)).toEqual({
      sessionId: "s0",
      reopen: true,
    });
    expect(routeMessage({ repliedTo: session("s1"), current: session("s1") }, input)).toEqual({
      sessionId: "s1",
      reopen: false,
    });
  });
});

describe("admitting a message to its session", () => {
  it("queues it without a notice when nothing runs or waits", () => {
    expect(admitMessage(session("s1"), { queued: 0, running: false, lastDropped: false }, input)).toEqual({
      dropped: false,
      queued: false,
      notice: null,
    });
  });

  it("tells the first message behind a running turn that it waits, and no later one", () => {
    const first = admitMessage(session("s1"), { queued: 0, running: true, lastDropped: false }, input);
    expect(first).toMatchObject({ dropped: false, queued: true, notice: { reason: "queued" } });
    expect(first.notice?.reply).toEqual({
      sessionId: "s1",
      channel: "telegram",
      conversationKey: "telegram:1",
      kind: "notice",
      text: "queued in default",
      replyToMessageId: "77",
    });
    expect(admitMessage(session("s1"), { queued: 1, running: true, lastDropped: false }, input).notice).toBeNull();
  });

  it("drops a message over the cap and says so once per burst", () => {
    const over = admitMessage(session("s1"), { queued: 2, running: true, lastDropped: false }, input);
    expect(over).toMatchObject({ dropped: true, notice: { reason: "overflow", reply: { text: "too many" } } });
    expect(admitMessage(session("s1"), { queued: 2, running: true, lastDropped: true }, input)).toMatchObject({
      dropped: true,
      notice: null,
    });
  });

  it("names an untitled session after its first message and switches the Expert, telling in the new one's mode", () => {
    const untitled = session("s1", { title: null });
    const admission = admitMessage(
      untitled,
      { queued: 0, running: true, lastDropped: false },
      { ...input, expert: "coder" },
    );
    expect(admission).toMatchObject({
      title: "hello world",
      expert: "coder",
      notice: { reply: { text: "queued in coder" } },
    });
    expect(
      admitMessage(session("s1"), { queued: 0, running: false, lastDropped: false }, { ...input, expert: "default" }),
    ).not.toHaveProperty("expert");
    expect(
      admitMessage(untitled, { queued: 0, running: false, lastDropped: false }, { ...input, text: "  " }),
    ).not.toHaveProperty("title");
  });

  it("bundles both decisions as the policy the store runs in its transaction", () => {
    const policy = acceptPolicy(input);
    expect(policy.route({ repliedTo: undefined, current: session("s1") })).toEqual({ sessionId: "s1", reopen: false });
    expect(policy.admit(session("s1"), { queued: 5, running: false, lastDropped: true }).dropped).toBe(true);
  });
});
