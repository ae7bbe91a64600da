import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/errors.js";
import { openStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { NewSession, NewTranscriptEntry, Session, TranscriptKind, UsageEntry } from "../../src/store/types.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

let dir: string;
let store: SqliteStore;
let now: number;

beforeEach(() => {
  dir = makeTempDir("cg-sessions-");
  now = 1_000;
  store = openStore(join(dir, "gateway.db"), {
    clock: () => {
      now += 1;
      return now;
    },
  });
});

afterEach(async () => {
  await store.close();
  removeTempDir(dir);
});

const base = { channel: "telegram", expert: "default", origin: "chat" } as const;

function chat(key: string, extra: Partial<NewSession> = {}): Promise<Session> {
  return store.sessions.create({ ...base, conversationKey: key, ...extra });
}

function count(sql: string, ...params: (string | number)[]): number {
  return (store.db.prepare<typeof params, { n: number }>(sql).get(...params) as { n: number }).n;
}

function start(sessionId: string, entries: NewTranscriptEntry[] = []) {
  return store.turns.start({ sessionId, expert: "default", model: "m", entries });
}

function usage(
  sessionId: string | null,
  promptTokens: number,
  completionTokens: number,
  estimated = false,
): UsageEntry {
  return { sessionId, turnId: null, expert: "default", model: "m", promptTokens, completionTokens, estimated };
}

describe("sessions.create", () => {
  it("makes the new session current and deactivates the previous current one", async () => {
    const first = await chat("telegram:1");
    expect(first).toMatchObject({ state: "active", conversationKey: "telegram:1", origin: "chat", archivedAt: null });
    expect((await store.sessions.current("telegram:1"))?.id).toBe(first.id);

    const other = await chat("telegram:2");
    const second = await chat("telegram:1");
    expect(second.id).not.toBe(first.id);
    expect((await store.sessions.current("telegram:1"))?.id).toBe(second.id);
    expect((await store.sessions.get(first.id))?.state).toBe("inactive");
    expect((await store.sessions.get(second.id))?.state).toBe("active");
    expect((await store.sessions.get(other.id))?.state).toBe("active");
    expect((await store.sessions.current("telegram:2"))?.id).toBe(other.id);
  });

  it("derives a conversation key from the new id when given a function", async () => {
    const session = await chat("", { channel: "cli", conversationKey: (id) => `cli:${id}`, origin: "cli" });
    expect(session.conversationKey).toBe(`cli:${session.id}`);
    expect((await store.sessions.current(`cli:${session.id}`))?.id).toBe(session.id);
  });
});

describe("sessions.resolve", () => {
  beforeEach(() => {
    const insert = store.db.prepare(
      `INSERT INTO sessions (id, channel, conversation_key, expert, origin, created_at, updated_at)
       VALUES (?, 'cli', ?, 'default', 'cli', 1, 1)`,
    );
    for (const id of ["s_aaa111", "s_aaa222", "s_bbb333", "s_ccc", "s_cccd"]) insert.run(id, `cli:${id}`);
  });

  it("finds a session by exact id, even when it is also a prefix of another id", async () => {
    expect((await store.sessions.resolve("s_aaa111")).id).toBe("s_aaa111");
    expect((await store.sessions.resolve("s_ccc")).id).toBe("s_ccc");
  });

  it("finds a session by unique prefix", async () => {
    expect((await store.sessions.resolve("s_aaa1")).id).toBe("s_aaa111");
    expect((await store.sessions.resolve("s_b")).id).toBe("s_bbb333");
  });

  it.each([
    ["an ambiguous prefix", "s_aaa", /ambiguous/],
    ["an unknown id", "s_zzz999", /no session/],
    ["a LIKE wildcard", "s_a_a", /no session/],
    ["a percent sign", "s%", /no session/],
    ["an empty string", "", /no session/],
  ])("throws NotFoundError for %s", async (_label, input, message) => {
    const attempt = store.sessions.resolve(input);
    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.sessions.resolve(input)).rejects.toMatchObject({ code: "NOT_FOUND", message });
  });
});

describe("sessions.list", () => {
  it("filters by state, origin and channel, newest first", async () => {
    const oldChat = await chat("telegram:1");
    const trigger = await chat("slack:T:C:1", { channel: "slack", origin: "trigger" });
    const cli = await chat("", { channel: "cli", conversationKey: (id) => `cli:${id}`, origin: "cli" });
    const newChat = await chat("telegram:1");

    const all = await store.sessions.list({ states: ["active", "inactive"] });
    expect(all.map((s) => s.id).sort()).toEqual([oldChat.id, trigger.id, cli.id, newChat.id].sort());
    const times = all.map((s) => s.updatedAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    await store.transcript.append(trigger.id, [{ kind: "user", content: "wake up" }]);
    const afterWrite = await store.sessions.list({ states: ["active"] });
    expect(afterWrite.map((s) => s.id)).toEqual([trigger.id, newChat.id, cli.id]);

    expect((await store.sessions.list({ states: ["inactive"] })).map((s) => s.id)).toEqual([oldChat.id]);
    expect((await store.sessions.list({ states: ["active"], origin: "chat" })).map((s) => s.id)).toEqual([newChat.id]);
    expect((await store.sessions.list({ states: ["active"], origin: "trigger" })).map((s) => s.id)).toEqual([
      trigger.id,
    ]);
    expect((await store.sessions.list({ states: ["active", "inactive"], channel: "telegram" })).length).toBe(2);
    expect((await store.sessions.list({ states: ["archived"] })).length).toBe(0);
    expect((await store.sessions.list({ states: ["active", "inactive"], limit: 2 })).length).toBe(2);
  });
});

describe("rename, archive, unarchive, delete", () => {
  it("renames, and refuses an unknown id", async () => {
    const session = await chat("telegram:1");
    const renamed = await store.sessions.rename(session.id, "Trip plans");
    expect(renamed.title).toBe("Trip plans");
    expect(renamed.updatedAt).toBeGreaterThan(session.updatedAt);
    await expect(store.sessions.rename("s_nope00", "x")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("archives with a time and unarchives to active when current, else inactive", async () => {
    const old = await chat("telegram:1");
    const current = await chat("telegram:1");

    const archived = await store.sessions.archive(current.id);
    expect(archived.state).toBe("archived");
    expect(archived.archivedAt).toBe(now);
    expect((await store.sessions.unarchive(current.id)).state).toBe("active");
    expect((await store.sessions.get(current.id))?.archivedAt).toBeNull();

    await store.sessions.archive(old.id);
    const back = await store.sessions.unarchive(old.id);
    expect(back).toMatchObject({ state: "inactive", archivedAt: null });
    await expect(store.sessions.archive("s_nope00")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("deletes a session with its transcript and turns, drops it from the search index, keeps usage", async () => {
    const keep = await chat("telegram:2");
    await store.transcript.append(keep.id, [{ kind: "user", content: "zebra crossing" }]);
    const doomed = await chat("telegram:1");
    const turn = await start(doomed.id, [{ kind: "user", content: "tell me about the zebra" }]);
    await store.turns.finish(turn.id, "completed", {
      entries: [{ kind: "assistant", content: "a zebra is striped" }],
      usage: { ...usage(doomed.id, 5, 6), turnId: turn.id },
    });
    expect((await store.sessions.search("zebra")).length).toBe(2);

    await store.sessions.delete(doomed.id);
    expect(await store.sessions.get(doomed.id)).toBeUndefined();
    expect(await store.sessions.current("telegram:1")).toBeUndefined();
    expect(await store.transcript.list(doomed.id)).toEqual([]);
    expect(count("SELECT count(*) AS n FROM turns WHERE session_id = ?", doomed.id)).toBe(0);
    expect(count("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'zebra'")).toBe(1);
    expect((await store.sessions.search("zebra")).map((hit) => hit.session.id)).toEqual([keep.id]);
    expect(count("SELECT count(*) AS n FROM usage WHERE session_id IS NULL AND prompt_tokens = 5")).toBe(1);
    await expect(store.sessions.delete(doomed.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("sessions.search", () => {
  it("ranks sessions, one best hit each, with the word bracketed in the snippet", async () => {
    const strong = await chat("telegram:1");
    const weak = await chat("telegram:2");
    const none = await chat("telegram:3");
    await store.transcript.append(strong.id, [{ kind: "user", content: "the quick brown fox" }]);
    const [best] = await store.transcript.append(strong.id, [{ kind: "assistant", content: "fox fox fox jumps" }]);
    await store.transcript.append(weak.id, [
      { kind: "user", content: "a lazy dog sleeps in the sun all day long while a fox watches from far away" },
    ]);
    await store.transcript.append(none.id, [
      { kind: "tool_call", content: "fox", toolName: "lookup", toolCallId: "c1" },
      { kind: "user", content: "nothing relevant here" },
    ]);

    const hits = await store.sessions.search("fox");
    expect(hits.map((hit) => hit.session.id)).toEqual([strong.id, weak.id]);
    expect(hits[0]?.messageId).toBe(best?.id);
    expect(hits[0]?.kind).toBe("assistant");
    for (const hit of hits) expect(hit.snippet).toContain("[fox]");
    expect(hits[0]?.rank).toBeLessThanOrEqual(hits[1]?.rank ?? Number.NEGATIVE_INFINITY);

    expect((await store.sessions.search("fo")).map((hit) => hit.session.id)).toEqual([strong.id, weak.id]);
    expect((await store.sessions.search("fox", { limit: 1 })).length).toBe(1);
    await store.sessions.archive(strong.id);
    expect((await store.sessions.search("fox", { includeArchived: false })).map((h) => h.session.id)).toEqual([
      weak.id,
    ]);
  });

  it.each(['"foo OR (bar', "*", "", "NEAR(fox", "fox AND", '"', "-fox", "col:fox", "^fox*"])(
    "tolerates hostile input %j",
    async (input) => {
      const session = await chat("telegram:1");
      await store.transcript.append(session.id, [{ kind: "user", content: "foo bar fox" }]);
      const hits = await store.sessions.search(input);
      expect(Array.isArray(hits)).toBe(true);
    },
  );
});

describe("turns and usage", () => {
  it("turns.start records the user entries with the turn id", async () => {
    const session = await chat("telegram:1");
    const turn = await start(session.id, [
      { kind: "user", content: "hi", senderId: "u1", senderName: "Ann" },
      { kind: "user", content: "there", senderId: "u1" },
    ]);
    expect(turn).toMatchObject({ sessionId: session.id, state: "running", finishedAt: null });
    const entries = await store.transcript.list(session.id);
    expect(entries.map((e) => [e.kind, e.content, e.turnId])).toEqual([
      ["user", "hi", turn.id],
      ["user", "there", turn.id],
    ]);
    expect(entries[0]).toMatchObject({ senderId: "u1", senderName: "Ann" });
  });

  it("turns.start is atomic: a bad entry leaves neither the turn nor earlier entries", async () => {
    const session = await chat("telegram:1");
    const attempt = start(session.id, [
      { kind: "user", content: "fine" },
      { kind: "bogus" as TranscriptKind, content: "breaks the CHECK constraint" },
    ]);
    await expect(attempt).rejects.toThrow();
    expect(count("SELECT count(*) AS n FROM turns")).toBe(0);
    expect(await store.transcript.list(session.id)).toEqual([]);
  });

  it("turns.finish writes entries and the usage ledger once", async () => {
    const session = await chat("telegram:1");
    const turn = await start(session.id);
    const ending = {
      entries: [{ kind: "assistant" as const, content: "hello" }],
      usage: { ...usage(session.id, 10, 5), turnId: turn.id },
    };
    expect(await store.turns.finish(turn.id, "completed", ending)).toBe(true);
    expect(await store.turns.get(turn.id)).toMatchObject({ state: "completed", finishedAt: expect.any(Number) });
    expect((await store.transcript.list(session.id)).map((e) => [e.kind, e.turnId])).toEqual([["assistant", turn.id]]);
    expect(count("SELECT count(*) AS n FROM usage WHERE turn_id = ?", turn.id)).toBe(1);
    expect(await store.usage.totalsForSession(session.id)).toEqual({
      promptTokens: 10,
      completionTokens: 5,
      estimated: false,
    });

    expect(await store.turns.finish(turn.id, "failed", ending)).toBe(false);
    expect((await store.usage.totalsForSession(session.id)).promptTokens).toBe(10);
    expect((await store.turns.get(turn.id))?.state).toBe("completed");
  });

  it("turns.finish is atomic: a bad entry leaves the turn running and no usage", async () => {
    const session = await chat("telegram:1");
    const turn = await start(session.id);
    const attempt = store.turns.finish(turn.id, "completed", {
      entries: [{ kind: "bogus" as TranscriptKind, content: "x" }],
      usage: { ...usage(session.id, 10, 5), turnId: turn.id },
    });
    await expect(attempt).rejects.toThrow();
    expect((await store.turns.get(turn.id))?.state).toBe("running");
    expect(count("SELECT count(*) AS n FROM usage")).toBe(0);
  });

  it("totals usage per session", async () => {
    const a = await chat("telegram:1");
    const b = await chat("telegram:2");
    const c = await chat("telegram:3");
    await store.usage.record(usage(a.id, 10, 5));
    await store.usage.record(usage(a.id, 3, 2, true));
    await store.usage.record(usage(b.id, 7, 1));
    await store.usage.record(usage(null, 100, 100));
    expect(await store.usage.totalsForSession(a.id)).toEqual({
      promptTokens: 13,
      completionTokens: 7,
      estimated: true,
    });
    expect(await store.usage.totalsForSession(b.id)).toEqual({
      promptTokens: 7,
      completionTokens: 1,
      estimated: false,
    });
    expect(await store.usage.totalsForSession(c.id)).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      estimated: false,
    });
  });
});
