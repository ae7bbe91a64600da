import { afterEach, describe, expect, it } from "vitest";
import { conversationPlace } from "../../src/cli/composition-root.js";
import { type Viewer, Visibility } from "../../src/gateway/visibility.js";
import type { Session } from "../../src/store/types.js";
import { FakeChannel, type FakeInbound } from "../fakes/fake-channel.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";
import { answered, command } from "./access-helpers.js";

function session(overrides: Partial<Session>): Session {
  return {
    id: "s_abc123",
    channel: "telegram",
    conversationKey: "telegram:100",
    expert: "default",
    title: null,
    owner: "telegram:100",
    state: "active",
    origin: "chat",
    mode: null,
    sharing: null,
    createdAt: 0,
    updatedAt: 0,
    archivedAt: null,
    ...overrides,
  };
}

/** Who has written where: what makes someone a known member of a room. */
const wrote: Record<string, string[]> = {
  "telegram:1": ["telegram:1", "telegram:-100:topic:5"],
  "telegram:2": ["telegram:2", "telegram:-100"],
  "telegram:3": ["telegram:3", "telegram:-200"],
  "slack:U1": ["slack:T1:D1:1.0", "slack:T1:C9:5.0"],
  "slack:U2": ["slack:T1:D2:1.0"],
};
const visibility = new Visibility(conversationPlace, async (principal) => wrote[principal] ?? []);

const reader = (principal: string, admin = false) => ({ principal, admin });
const viewer = (principal: string, conversationKey: string, admin = false): Viewer => ({
  principal,
  conversationKey,
  admin,
});

const telegramDm = session({ conversationKey: "telegram:1", owner: "telegram:1" });
const slackAssistantThread = session({ channel: "slack", conversationKey: "slack:T1:D1:1.0", owner: "slack:U1" });
const cliSession = session({ channel: "cli", origin: "cli", conversationKey: "cli:s_x", owner: "cli:local" });
const group = session({ conversationKey: "telegram:-100", owner: "telegram:2" });
const otherGroup = session({ conversationKey: "telegram:-200", owner: "telegram:3" });
const slackThread = session({ channel: "slack", conversationKey: "slack:T1:C9:7.0", owner: "slack:U3" });
const reportToC9 = session({ channel: "slack", origin: "trigger", conversationKey: "slack::C9", owner: null });
const storedReport = session({
  channel: "trigger",
  origin: "trigger",
  conversationKey: "trigger:nightly:s_1",
  owner: null,
});

describe("the visibility table", () => {
  it("private chat, Slack DM or assistant thread, CLI: its owner, and admins", async () => {
    expect(await visibility.mayRead(reader("telegram:1"), telegramDm)).toBe(true);
    expect(await visibility.mayRead(reader("telegram:2"), telegramDm)).toBe(false);
    expect(await visibility.mayRead(reader("slack:U1"), slackAssistantThread)).toBe(true);
    expect(await visibility.mayRead(reader("slack:U2"), slackAssistantThread)).toBe(false);
    expect(await visibility.mayRead(reader("cli:local"), cliSession)).toBe(true);
    expect(await visibility.mayRead(reader("telegram:1"), cliSession)).toBe(false);
    for (const target of [telegramDm, slackAssistantThread, cliSession]) {
      expect(await visibility.mayRead(reader("telegram:9", true), target)).toBe(true);
    }
    expect(await visibility.mayRead(reader("telegram:2"), session({ owner: null }))).toBe(false);
  });

  it("group, channel thread, forum topic: the members of that chat (who wrote there, in any topic or thread), and admins", async () => {
    expect(await visibility.mayRead(reader("telegram:2"), group)).toBe(true);
    // telegram:1 wrote in a topic of the same supergroup: a member of the chat.
    expect(await visibility.mayRead(reader("telegram:1"), group)).toBe(true);
    expect(await visibility.mayRead(reader("telegram:3"), group)).toBe(false);
    expect(await visibility.mayRead(reader("telegram:3", true), group)).toBe(true);
    // slack:U1 wrote in another thread of channel C9.
    expect(await visibility.mayRead(reader("slack:U1"), slackThread)).toBe(true);
    expect(await visibility.mayRead(reader("slack:U2"), slackThread)).toBe(false);
  });

  it("trigger run: the members of its destination, and admins; with no destination, admins only", async () => {
    expect(await visibility.mayRead(reader("slack:U1"), reportToC9)).toBe(true);
    expect(await visibility.mayRead(reader("slack:U2"), reportToC9)).toBe(false);
    expect(await visibility.mayRead(reader("slack:U2", true), reportToC9)).toBe(true);
    expect(await visibility.mayRead(reader("slack:U1"), storedReport)).toBe(false);
    expect(await visibility.mayRead(reader("slack:U1", true), storedReport)).toBe(true);
  });
});

describe("what may be quoted where the question is asked", () => {
  it("in a group: only what every member may read, never anyone's private sessions, not even an admin's", async () => {
    const here = viewer("telegram:1", "telegram:-100:topic:5");
    expect(await visibility.mayQuote(here, group)).toBe(true);
    expect(await visibility.mayQuote(here, telegramDm)).toBe(false);
    expect(await visibility.mayQuote({ ...here, admin: true }, telegramDm)).toBe(false);
    expect(await visibility.mayQuote({ ...here, admin: true }, otherGroup)).toBe(false);
    expect(await visibility.mayQuote({ ...here, admin: true }, storedReport)).toBe(false);
    const inC9 = viewer("slack:U1", "slack:T1:C9:5.0");
    expect(await visibility.mayQuote(inC9, slackThread)).toBe(true);
    expect(await visibility.mayQuote(inC9, reportToC9)).toBe(true);
    expect(await visibility.mayQuote(inC9, slackAssistantThread)).toBe(false);
  });

  it("in a private chat: what its owner may read", async () => {
    const here = viewer("telegram:1", "telegram:1");
    expect(await visibility.mayQuote(here, telegramDm)).toBe(true);
    expect(await visibility.mayQuote(here, group)).toBe(true);
    expect(await visibility.mayQuote(here, otherGroup)).toBe(false);
    expect(await visibility.mayQuote(viewer("telegram:3", "telegram:3", true), telegramDm)).toBe(true);
    const hits = [telegramDm, group, otherGroup, slackThread].map((s) => ({ session: s }));
    expect((await visibility.quotable(here, hits)).map((hit) => hit.session)).toEqual([telegramDm, group]);
  });

  it("resume: a private session only in its owner's own private chat; a group's sessions by its members there", async () => {
    expect(await visibility.mayResume(viewer("telegram:1", "telegram:1"), telegramDm)).toBe(true);
    expect(await visibility.mayResume(viewer("telegram:1", "telegram:-100"), telegramDm)).toBe(false);
    expect(await visibility.mayResume(viewer("telegram:9", "telegram:1", true), telegramDm)).toBe(false);
    expect(await visibility.mayResume(viewer("telegram:2", "telegram:-100"), group)).toBe(true);
    expect(await visibility.mayResume(viewer("telegram:2", "telegram:2"), group)).toBe(false);
  });
});

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

let nextId = 1;
const dm = (who: string, text: string): FakeInbound => ({
  conv: `dm-${who}`,
  sender: who,
  text,
  id: `m${nextId++}`,
  chat: { id: `dm-${who}`, group: false },
});
const inGroup = (who: string, text: string): FakeInbound => ({
  conv: "g",
  sender: who,
  text,
  id: `m${nextId++}`,
  chat: { id: "g1", group: true },
});

async function start() {
  const channel = new FakeChannel();
  harness = await GatewayHarness.start([channel], {
    access: { allow: ["fake:a", "fake:b"], admins: ["fake:boss"] },
  });
  return { channel, h: harness };
}

describe("sessions and resume in chats", () => {
  it("B cannot resume A's private session from B's own chat, by id or prefix; nothing changes", async () => {
    const { channel, h } = await start();
    const sessionA = await answered(channel, dm("a", "secret plans of A"));
    const sessionB = await answered(channel, dm("b", "hello from B"));
    for (const id of [sessionA, sessionA.slice(0, 4)]) {
      expect(await command(channel, dm("b", `/resume ${id}`))).toBe(`No session "${id}" here.`);
    }
    expect((await h.store.sessions.current("fake:dm-b"))?.id).toBe(sessionB);
    expect((await h.store.sessions.current("fake:dm-a"))?.id).toBe(sessionA);
    expect(await h.store.sessions.get(sessionA)).toMatchObject({ state: "active", owner: "fake:a" });
    const listed = await command(channel, dm("b", "/sessions"));
    expect(listed).toContain(sessionB);
    expect(listed).not.toContain(sessionA);
    // B's next message still goes to B's session, and A's words are not in it.
    await answered(channel, dm("b", "what were we saying?"));
    const last = h.fake.requests.at(-1);
    expect(JSON.stringify(last?.messages)).not.toContain("secret plans");
  });

  it("not even an admin pulls a session into another conversation", async () => {
    const { channel, h } = await start();
    const sessionA = await answered(channel, dm("a", "A's things"));
    await h.store.access.grant("fake:boss");
    expect(await command(channel, dm("boss", `/resume ${sessionA}`))).toBe(`No session "${sessionA}" here.`);
    expect((await h.store.sessions.current("fake:dm-a"))?.id).toBe(sessionA);
  });

  it("in a group, every member sees and resumes the group's sessions", async () => {
    const { channel, h } = await start();
    const first = await answered(channel, inGroup("a", "group topic one"));
    expect(await command(channel, inGroup("a", "/new"))).toMatch(/^Started a new session/);
    const second = (await h.store.sessions.current("fake:g"))?.id ?? "";
    expect(second).not.toBe(first);
    await answered(channel, dm("b", "B alone"));

    for (const who of ["a", "b"]) {
      const listed = await command(channel, inGroup(who, "/sessions"));
      expect(listed, who).toContain(first);
      expect(listed, who).toContain(`${second} · `);
      expect(listed.split("\n"), who).toHaveLength(3);
    }
    expect(await command(channel, inGroup("b", `/resume ${first}`))).toMatch(new RegExp(`^Resumed ${first}`));
    expect((await h.store.sessions.current("fake:g"))?.id).toBe(first);
  });
});
