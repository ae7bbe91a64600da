import { afterEach, describe, expect, it } from "vitest";
import { canSee, type Viewer } from "../../src/gateway/visibility.js";
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
    createdAt: 0,
    updatedAt: 0,
    archivedAt: null,
    ...overrides,
  };
}

const viewer = (principal: string, conversationKey: string, admin = false): Viewer => ({
  principal,
  conversationKey,
  admin,
});

describe("canSee", () => {
  it("everyone in a conversation sees its sessions, whoever started them", () => {
    const group = session({ conversationKey: "telegram:-100", owner: "telegram:1" });
    expect(canSee(viewer("telegram:2", "telegram:-100"), group)).toBe(true);
    expect(canSee(viewer("telegram:2", "telegram:2"), group)).toBe(false);
  });

  it("the owner sees their session from another conversation; others do not", () => {
    const dm = session({ conversationKey: "telegram:1", owner: "telegram:1" });
    expect(canSee(viewer("telegram:1", "telegram:-100"), dm)).toBe(true);
    expect(canSee(viewer("telegram:2", "telegram:-100"), dm)).toBe(false);
    expect(canSee(viewer("slack:1", "slack:T1:C1:1.0"), dm)).toBe(false);
    expect(canSee(viewer("telegram:2", "telegram:2"), session({ owner: null }))).toBe(false);
  });

  it("a trigger's session shows only in its destination and to admins", () => {
    const report = session({ origin: "trigger", conversationKey: "slack:T1:C9", owner: "telegram:1" });
    expect(canSee(viewer("slack:U5", "slack:T1:C9"), report)).toBe(true);
    expect(canSee(viewer("telegram:1", "telegram:1"), report)).toBe(false);
    expect(canSee(viewer("telegram:1", "telegram:1", true), report)).toBe(true);
    const nowhere = session({ origin: "trigger", conversationKey: "trigger:nightly", owner: null });
    expect(canSee(viewer("slack:U5", "slack:T1:C9"), nowhere)).toBe(false);
    expect(canSee(viewer("slack:U5", "slack:T1:C9", true), nowhere)).toBe(true);
  });

  it("admins see everything, everywhere", () => {
    for (const target of [
      session({}),
      session({ origin: "cli", channel: "cli", conversationKey: "cli:s_x", owner: "cli:local", state: "archived" }),
      session({ origin: "trigger", conversationKey: "trigger:x", owner: null }),
    ]) {
      expect(canSee(viewer("slack:U1", "slack:T1:D1", true), target)).toBe(true);
    }
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
