import { afterEach, describe, expect, it } from "vitest";
import type { Coordination } from "../../src/store/coordination.js";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { GatewayHarness } from "./gateway-harness.js";

/*
 * Where a gateway keeps its chats' send pace: in the database when other gateways share it (they
 * must keep one pace per chat together), in memory when it is alone on its database (SQLite), where
 * a write per reply would share the pace with nobody.
 */

let harness: GatewayHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Coordination with no other gateway: enough for the gateway to know the database is shared. */
const coordinationAlone: Coordination = {
  join: async () => undefined,
  gone: async () => [],
  tryLead: async () => true,
  resign: async () => undefined,
  members: async () => 1,
  announce: () => undefined,
  onWork: () => undefined,
  onLost: () => undefined,
  problem: undefined,
  leave: async () => undefined,
};

/** Sends one message and waits for its answer to be delivered; the chat_pace rows written meanwhile. */
async function paceRowsAfterOneReply(coordination?: Coordination): Promise<number> {
  const channel = new FakeChannel({ limits: { sendIntervalMs: 1000 } });
  harness = await GatewayHarness.start([channel], coordination ? { coordination } : {});
  const h = harness;
  await channel.deliver({ conv: "p", text: "hello", id: "1" });
  await waitUntil(async () =>
    (await h.store.outbox.list()).some((row) => row.kind === "answer" && row.state === "delivered"),
  );
  expect(channel.sends.map((send) => send.text)).toEqual(["echo: hello"]);
  return h.store.db.prepare<[], { count: number }>("SELECT COUNT(*) AS count FROM chat_pace").get()?.count ?? -1;
}

describe("where the send pace is kept", () => {
  it("in memory for a gateway alone on its database: a reply writes no pace row", async () => {
    expect(await paceRowsAfterOneReply()).toBe(0);
  });

  it("in the database when other gateways may share it: the reply reserved its slot there", async () => {
    expect(await paceRowsAfterOneReply(coordinationAlone)).toBe(1);
  });
});
