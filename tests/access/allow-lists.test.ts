import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/config.js";
import type { AllowList } from "../../src/config/file-schema.js";
import { FakeChannel } from "../fakes/fake-channel.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";
import { answered, inboundCount, outboxSettled } from "./access-helpers.js";

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const emptyList: AllowList = { users: [], chats: [], teams: [], channels: [] };

async function start(
  channels: FakeChannel[],
  access: Config["access"],
  settings: { telegram?: Partial<AllowList>; slack?: Partial<AllowList> } = {},
) {
  harness = await GatewayHarness.start(channels, {
    access,
    ...(settings.telegram
      ? { telegram: { settings: { allow: { ...emptyList, ...settings.telegram }, bindings: [] } } }
      : {}),
    ...(settings.slack
      ? { slack: { settings: { allow: { ...emptyList, ...settings.slack }, bindings: [], reply_in_threads: "all" } } }
      : {}),
  });
  return harness;
}

describe("access.allow (and GATEWAY_ALLOW)", () => {
  it("admits the principals it names, and only them", async () => {
    const channel = new FakeChannel();
    const h = await start([channel], { allow: ["fake:alice"], admins: [] });
    await answered(channel, { conv: "dm-a", sender: "alice", text: "hi, I am alice", id: "1" });
    expect(await channel.deliver({ conv: "dm-b", sender: "bob", text: "and bob", id: "2" })).toEqual({
      status: "refused",
    });
    // The same id on another channel is another principal.
    expect(await channel.deliver({ conv: "dm-c", sender: "telegram:alice", text: "x", id: "3" })).toEqual({
      status: "refused",
    });
    await outboxSettled(h);
    expect(h.fake.requests).toHaveLength(1);
    expect(inboundCount(h)).toBe(1);
  });

  it("* admits everyone", async () => {
    const channel = new FakeChannel();
    const h = await start([channel], { allow: ["*"], admins: [] });
    await answered(channel, { conv: "dm-1", sender: "stranger", text: "hello", id: "1" });
    await answered(channel, { conv: "g", sender: "other", text: "hello too", id: "2", chat: { id: "g", group: true } });
    expect(h.fake.requests).toHaveLength(2);
  });

  it("a chat principal admits every sender in that chat", async () => {
    const channel = new FakeChannel();
    const h = await start([channel], { allow: ["fake:team-room"], admins: [] });
    const chat = { id: "team-room", group: true };
    await answered(channel, { conv: "room", sender: "p1", text: "p1 here", id: "1", chat });
    await answered(channel, { conv: "room", sender: "p2", text: "p2 here", id: "2", chat });
    expect(await channel.deliver({ conv: "dm-p1", sender: "p1", text: "privately", id: "3" })).toEqual({
      status: "refused",
    });
    expect(h.fake.requests).toHaveLength(2);
  });
});

describe("per-channel YAML lists", () => {
  it("telegram: a listed chat admits any sender in it; a listed user is admitted anywhere", async () => {
    const telegram = new FakeChannel({ name: "telegram" });
    const h = await start([telegram], { allow: [], admins: [] }, { telegram: { chats: ["-100"], users: ["42"] } });
    const listed = { id: "-100", group: true };
    await answered(telegram, { conv: "-100", sender: "777", text: "from 777 in -100", id: "1", chat: listed });
    await answered(telegram, { conv: "-100", sender: "888", text: "from 888 in -100", id: "2", chat: listed });
    await answered(telegram, {
      conv: "-200",
      sender: "42",
      text: "user 42 elsewhere",
      id: "3",
      chat: { id: "-200", group: true },
    });
    expect(
      await telegram.deliver({
        conv: "-200",
        sender: "777",
        text: "777 elsewhere",
        id: "4",
        chat: { id: "-200", group: true },
      }),
    ).toEqual({ status: "refused" });
    expect(
      await telegram.deliver({ conv: "555", sender: "555", text: "a DM", id: "5", chat: { id: "555", group: false } }),
    ).toEqual({
      status: "refused",
    });
    await outboxSettled(h);
    expect(h.fake.requests).toHaveLength(3);
    expect(telegram.sentTo("-200").at(-1)?.text).toContain("gateway access allow telegram:777");
  });

  it("telegram's list does not admit anyone on another channel", async () => {
    const telegram = new FakeChannel({ name: "telegram" });
    const other = new FakeChannel();
    const h = await start(
      [telegram, other],
      { allow: [], admins: [] },
      { telegram: { chats: ["-100"], users: ["42"] } },
    );
    expect(
      await other.deliver({ conv: "-100", sender: "42", text: "hi", id: "1", chat: { id: "-100", group: true } }),
    ).toEqual({
      status: "refused",
    });
    await outboxSettled(h);
    expect(h.fake.requests).toHaveLength(0);
  });

  it("slack: a listed team admits its members; listed channels admit senders in them", async () => {
    const slack = new FakeChannel({ name: "slack", limits: { commandPrefix: "!" } });
    const h = await start([slack], { allow: ["slack:T3"], admins: [] }, { slack: { teams: ["T1"], channels: ["C7"] } });
    await answered(slack, {
      conv: "T1:C1:1.1",
      sender: "U1",
      text: "team T1",
      id: "1",
      chat: { id: "C1", teamId: "T1", group: true },
    });
    await answered(slack, {
      conv: "T9:C7:1.2",
      sender: "U2",
      text: "channel C7",
      id: "2",
      chat: { id: "C7", teamId: "T9", group: true },
    });
    await answered(slack, {
      conv: "T3:C3:1.3",
      sender: "U3",
      text: "team T3 via allow",
      id: "3",
      chat: { id: "C3", teamId: "T3", group: true },
    });
    expect(
      await slack.deliver({
        conv: "T2:C2:1.4",
        sender: "U4",
        text: "team T2",
        id: "4",
        chat: { id: "C2", teamId: "T2", group: true },
      }),
    ).toEqual({ status: "refused" });
    await outboxSettled(h);
    expect(h.fake.requests).toHaveLength(3);
    expect(slack.sentTo("T2:C2:1.4")[0]?.text).toContain("gateway access allow slack:U4");
  });

  it("a grant of a chat or a team (gateway access allow) admits its members", async () => {
    const telegram = new FakeChannel({ name: "telegram" });
    const slack = new FakeChannel({ name: "slack", limits: { commandPrefix: "!" } });
    const h = await start([telegram, slack], { allow: [], admins: [] });
    const group = { id: "-300", group: true };
    const team = { id: "C5", teamId: "T5", group: true };
    expect(await telegram.deliver({ conv: "-300", sender: "1", text: "a", id: "1", chat: group })).toEqual({
      status: "refused",
    });
    expect(await slack.deliver({ conv: "T5:C5:1", sender: "U1", text: "b", id: "1", chat: team })).toEqual({
      status: "refused",
    });
    await h.store.access.grant("telegram:-300");
    await h.store.access.grant("slack:T5");
    await answered(telegram, { conv: "-300", sender: "2", text: "telegram group member", id: "2", chat: group });
    await answered(slack, { conv: "T5:C5:1", sender: "U2", text: "slack team member", id: "2", chat: team });
    expect(h.fake.requests).toHaveLength(2);
  });
});
