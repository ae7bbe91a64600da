import { afterEach, describe, expect, it } from "vitest";
import { FakeChannel, type FakeInbound } from "../fakes/fake-channel.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";
import { answered, command } from "./access-helpers.js";

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const group = { id: "g1", group: true };
let nextId = 1;

/** A message in the group chat `g1` (conversation `fake:g`). */
function inGroup(sender: string, text: string): FakeInbound {
  return { conv: "g", sender, text, id: `g${nextId++}`, chat: group };
}

/** The group chat is admitted as a whole; `fake:boss` is an admin. Alice starts the session. */
async function start() {
  const channel = new FakeChannel();
  harness = await GatewayHarness.start([channel], {
    access: { allow: ["fake:g1"], admins: ["fake:boss"] },
    experts: [{ name: "poet", description: "writes verse" }],
  });
  const session = await answered(channel, inGroup("alice", "hello from alice"));
  return { channel, h: harness, session };
}

const refusal = /^Only admins and the person who started this session can use \/(new|mode|expert|archive) here\.$/;

describe("guarded commands in a group chat", () => {
  it("are refused to a member who did not start the session, and change nothing", async () => {
    const { channel, h, session } = await start();
    for (const text of ["/new", "/new poet", "/mode steer", "/expert poet", "+poet", "/archive"]) {
      expect(await command(channel, inGroup("bob", text)), text).toMatch(refusal);
    }
    const after = await h.store.sessions.current("fake:g");
    expect(after).toMatchObject({ id: session, state: "active", expert: "default", mode: null, owner: "fake:alice" });
    expect(await h.store.sessions.list({ states: ["active", "inactive", "archived"] })).toHaveLength(1);
  });

  it("/status and /sessions work for every member", async () => {
    const { channel, session } = await start();
    const status = await command(channel, inGroup("bob", "/status"));
    expect(status).toContain(`Session ${session}`);
    expect(status).toContain("Expert default");
    const sessions = await command(channel, inGroup("bob", "/sessions"));
    expect(sessions).toContain(session);
    expect(await command(channel, inGroup("bob", "/help"))).toContain("/new");
  });

  it("the starter may run them", async () => {
    const { channel, h, session } = await start();
    expect(await command(channel, inGroup("alice", "/mode followup"))).toMatch(/^Mode followup/);
    expect(await command(channel, inGroup("alice", "/expert poet"))).toBe(
      `Expert poet answers from now on in ${session}.`,
    );
    expect(await h.store.sessions.get(session)).toMatchObject({ mode: "followup", expert: "poet" });
    expect(await command(channel, inGroup("alice", "/archive"))).toMatch(new RegExp(`^Archived ${session}`));
    expect((await h.store.sessions.get(session))?.state).toBe("archived");
    const fresh = await command(channel, inGroup("alice", "/new"));
    expect(fresh).toMatch(/^Started a new session s_\w+ with Expert default/);
    expect((await h.store.sessions.current("fake:g"))?.owner).toBe("fake:alice");
  });

  it("an admin may run them in a session someone else started; the new session is the admin's", async () => {
    const { channel, h, session } = await start();
    expect(await command(channel, inGroup("boss", "/mode steer"))).toMatch(/^Mode steer/);
    expect(await command(channel, inGroup("boss", "/expert poet"))).toContain("Expert poet answers");
    expect(await h.store.sessions.get(session)).toMatchObject({ mode: "steer", expert: "poet" });
    expect(await command(channel, inGroup("boss", "/new"))).toMatch(/^Started a new session/);
    const current = await h.store.sessions.current("fake:g");
    expect(current?.id).not.toBe(session);
    expect(current?.owner).toBe("fake:boss");
    // Now alice did not start the current session: she is refused like anyone else.
    expect(await command(channel, inGroup("alice", "/archive"))).toMatch(refusal);
    expect(await command(channel, inGroup("boss", "/archive"))).toMatch(/^Archived/);
  });

  it("in a private chat, the person there may run them", async () => {
    const { channel, h } = await start();
    await h.store.access.grant("fake:carol");
    const dm = { conv: "dm-carol", sender: "carol", chat: { id: "dm-carol", group: false } };
    await answered(channel, { ...dm, text: "hi", id: "c1" });
    expect(await command(channel, { ...dm, text: "/mode interrupt", id: "c2" })).toMatch(/^Mode interrupt/);
    expect(await command(channel, { ...dm, text: "/new", id: "c3" })).toMatch(/^Started a new session/);
  });
});

describe("reading forms of guarded commands, and +expert in a group", () => {
  it("lets every member list the Experts and see the mode", async () => {
    const { channel } = await start();
    expect(await command(channel, inGroup("bob", "/expert"))).toContain("poet — writes verse");
    expect(await command(channel, inGroup("bob", "/mode"))).toMatch(/^Mode: collect/);
  });

  it("does not let a non-starter switch the Expert with +name; the text goes to the model as written", async () => {
    const { channel, h, session } = await start();
    expect(await channel.deliver(inGroup("bob", "+poet write me a haiku"))).toMatchObject({ status: "accepted" });
    await channel.waitFor((sends) => sends.some((send) => send.text.includes("+poet write me a haiku")));
    expect((await h.store.sessions.current("fake:g"))?.expert).toBe("default");
    const users = (await h.store.transcript.list(session)).filter((entry) => entry.kind === "user");
    expect(users.at(-1)?.content).toBe("+poet write me a haiku");
  });

  it("lets the starter switch the Expert with +name and strips the prefix", async () => {
    const { channel, h, session } = await start();
    expect(await channel.deliver(inGroup("alice", "+poet write me a haiku"))).toMatchObject({ status: "accepted" });
    await channel.waitFor((sends) => sends.some((send) => send.text.endsWith("write me a haiku")));
    expect((await h.store.sessions.current("fake:g"))?.expert).toBe("poet");
    const users = (await h.store.transcript.list(session)).filter((entry) => entry.kind === "user");
    expect(users.at(-1)?.content).toBe("write me a haiku");
  });
});
