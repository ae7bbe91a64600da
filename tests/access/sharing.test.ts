import { afterEach, describe, expect, it } from "vitest";
import { conversationPlace } from "../../src/cli/composition-root.js";
import { Visibility } from "../../src/gateway/visibility.js";
import type { Session } from "../../src/store/types.js";
import type { FakeInbound } from "../fakes/fake-channel.js";
import { FakeChannel } from "../fakes/fake-channel.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";
import { answered, command } from "./access-helpers.js";

function session(overrides: Partial<Session>): Session {
  return {
    id: "s_share1",
    channel: "slack",
    conversationKey: "slack:T1:C9:7.0",
    expert: "default",
    title: null,
    owner: "slack:U3",
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

/** U1 wrote in C9 (workspace T1); U2 only in a DM of T1; U5 only in workspace T2. */
const wrote: Record<string, string[]> = {
  "slack:U1": ["slack:T1:C9:5.0"],
  "slack:U2": ["slack:T1:D2:1.0"],
  "slack:U5": ["slack:T2:C7:1.0"],
};
const visibility = new Visibility(conversationPlace, async (principal) => wrote[principal] ?? []);
const reader = (principal: string, admin = false) => ({ principal, admin });

describe("sessions marked private or shared", () => {
  it("private: only its owner and admins read it, and no shared conversation quotes it", async () => {
    const thread = session({ sharing: "private" });
    expect(await visibility.mayRead(reader("slack:U1"), thread)).toBe(false);
    expect(await visibility.mayRead(reader("slack:U3"), thread)).toBe(true);
    expect(await visibility.mayRead(reader("slack:U9", true), thread)).toBe(true);
    expect(
      await visibility.mayQuote({ principal: "slack:U1", conversationKey: "slack:T1:C9:5.0", admin: true }, thread),
    ).toBe(false);
    expect(visibility.isPrivate(thread)).toBe(true);
    expect(visibility.isPrivate(session({}))).toBe(false);
  });

  it("shared: every member of its workspace reads it, members of another workspace do not", async () => {
    const dm = session({ conversationKey: "slack:T1:D1:1.0", owner: "slack:U4", sharing: "shared" });
    expect(await visibility.mayRead(reader("slack:U2"), dm)).toBe(true);
    expect(await visibility.mayRead(reader("slack:U5"), dm)).toBe(false);
    expect(await visibility.mayRead(reader("slack:U2"), { ...dm, sharing: null })).toBe(false);
    expect(visibility.isPrivate(dm)).toBe(false);
    expect(visibility.isPrivate({ ...dm, sharing: null })).toBe(true);
    // In a channel of the same workspace it may be quoted; in another workspace's, not.
    expect(
      await visibility.mayQuote({ principal: "slack:U1", conversationKey: "slack:T1:C9:5.0", admin: false }, dm),
    ).toBe(true);
    expect(
      await visibility.mayQuote({ principal: "slack:U5", conversationKey: "slack:T2:C7:1.0", admin: false }, dm),
    ).toBe(false);
  });
});

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

let nextId = 1;
const inGroup = (who: string, text: string): FakeInbound => ({
  conv: "g",
  sender: who,
  text,
  id: `s${nextId++}`,
  chat: { id: "g1", group: true },
});

describe("share and private in chat", () => {
  it("the owner marks a group session private and shared again; others may not; an admin's change is audited", async () => {
    const channel = new FakeChannel();
    harness = await GatewayHarness.start([channel], {
      access: { allow: ["fake:a", "fake:b"], admins: ["fake:boss"] },
    });
    const h = harness;
    const id = await answered(channel, inGroup("a", "our group plans"));
    expect(await command(channel, inGroup("b", "/private"))).toMatch(/^Only the person who started this session/);
    expect((await h.store.sessions.get(id))?.sharing).toBeNull();
    expect(await command(channel, inGroup("a", "/private"))).toMatch(new RegExp(`^${id} is private now`));
    expect((await h.store.sessions.get(id))?.sharing).toBe("private");
    // Private: not even listed to another member of the group now.
    expect(await command(channel, inGroup("b", "/sessions"))).not.toContain(id);
    expect(await h.store.console.auditLog({ limit: 10 })).toEqual([]);
    await h.store.access.grant("fake:boss");
    expect(await command(channel, inGroup("boss", "/share"))).toMatch(new RegExp(`^${id} is shared now`));
    expect((await h.store.sessions.get(id))?.sharing).toBe("shared");
    expect(await h.store.console.auditLog({ limit: 10 })).toMatchObject([
      { actor: "fake:boss", action: "chat.share", target: id },
    ]);
    // Listing commands change nothing and are not audited.
    await command(channel, inGroup("boss", "/sessions"));
    expect(await h.store.console.auditLog({ limit: 10 })).toHaveLength(1);
  });
});
