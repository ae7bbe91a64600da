import { afterEach, describe, expect, it } from "vitest";
import { openStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const DAY = 24 * 3600 * 1000;

describe("retention", () => {
  it("deletes only archived sessions archived before the cut-off; usage and memory rows stay with an empty session", async () => {
    let now = 1_000 * DAY;
    store = openStore(":memory:", { clock: () => now });
    const make = (key: string) =>
      store?.sessions.create({ channel: "fake", conversationKey: key, expert: "default", origin: "chat" });
    const old = await make("fake:old");
    const fresh = await make("fake:fresh");
    const idle = await make("fake:idle");
    if (!old || !fresh || !idle) throw new Error("no sessions");
    await store.transcript.append(old.id, [{ kind: "user", content: "remember the falcon" }]);
    await store.usage.record({
      sessionId: old.id,
      turnId: null,
      expert: "default",
      model: "m",
      promptTokens: 5,
      completionTokens: 7,
      estimated: false,
    });
    const memory = await store.memories.create({
      type: "project",
      scope: "fake",
      userId: null,
      expert: "default",
      content: "deploys go out on Tuesdays",
      sourceSessionId: old.id,
      sourceMessageId: 1,
    });
    await store.sessions.archive(old.id);
    now += 40 * DAY;
    await store.sessions.archive(fresh.id);
    now += 1 * DAY;

    const cutoff = now - 30 * DAY;
    expect((await store.sessions.pruneArchived(cutoff, { dryRun: true })).map((s) => s.id)).toEqual([old.id]);
    expect(await store.sessions.get(old.id)).toBeDefined();
    expect((await store.sessions.pruneArchived(cutoff)).map((s) => s.id)).toEqual([old.id]);

    expect(await store.sessions.get(old.id)).toBeUndefined();
    expect(await store.sessions.get(fresh.id)).toMatchObject({ state: "archived" });
    expect(await store.sessions.get(idle.id)).toMatchObject({ state: "active" });
    expect(await store.sessions.search("falcon")).toEqual([]);
    const usage = store.db.prepare("SELECT session_id, prompt_tokens FROM usage").all();
    expect(usage).toEqual([{ session_id: null, prompt_tokens: 5 }]);
    expect(await store.memories.get(memory.id)).toMatchObject({
      content: "deploys go out on Tuesdays",
      sourceSessionId: null,
      sourceMessageId: null,
    });
  });
});

describe("the gateway's retention (GATEWAY_RETENTION_DAYS)", () => {
  it("prunes archived sessions older than the retention when it starts, never inactive ones", async () => {
    const harness = await GatewayHarness.start([new FakeChannel()], { retentionDays: 30 });
    try {
      const create = (key: string) =>
        harness.store.sessions.create({ channel: "fake", conversationKey: key, expert: "default", origin: "chat" });
      const archived = await create("fake:a");
      await harness.store.sessions.archive(archived.id);
      const inactive = await create("fake:b");
      await create("fake:b");
      harness.clock.advance(31 * DAY);
      await harness.restart();
      await waitUntil(async () => (await harness.store.sessions.get(archived.id)) === undefined);
      expect(await harness.store.sessions.get(inactive.id)).toMatchObject({ state: "inactive" });
    } finally {
      await harness.close();
    }
  });
});
