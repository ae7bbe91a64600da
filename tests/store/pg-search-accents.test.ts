import { afterEach, describe, expect, it } from "vitest";
import { postgresBackend } from "../../src/store/postgres/pg-backend.js";
import { openPgStore } from "../../src/store/postgres/pg-store.js";
import type { Store } from "../../src/store/store.js";
import { createChat } from "./contract/contract-helpers.js";
import { createTestDatabase, createTestRole, type TestDatabase, type TestRole } from "./pg-test-database.js";

/*
 * Search on PostgreSQL folds accents where the unaccent extension can be made (as SQLite's FTS5
 * does), and keeps working without it: accent-sensitive, ranked, with snippets. The role without
 * the CREATE privilege on its database stands for a server without contrib or a locked-down role.
 */

let database: TestDatabase | undefined;
let role: TestRole | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  await database?.drop();
  await role?.drop();
  store = undefined;
  database = undefined;
  role = undefined;
});

/** Two sessions and two memories with accented words; returns the session ids. */
async function seed(target: Store): Promise<{ both: string; one: string }> {
  const both = await createChat(target, "telegram:1");
  const one = await createChat(target, "telegram:2");
  await target.transcript.append(both.id, [{ kind: "user", content: "un café crème au comptoir" }]);
  await target.transcript.append(one.id, [{ kind: "user", content: "encore un café" }]);
  const memory = { type: "project", scope: "cli", userId: null, expert: null, sourceSessionId: null } as const;
  await target.memories.create({ ...memory, content: "la réunion est le mardi", sourceMessageId: null });
  await target.memories.create({ ...memory, content: "the reunion is on Friday", sourceMessageId: null });
  return { both: both.id, one: one.id };
}

const ids = (hits: { session: { id: string } }[]) => hits.map((hit) => hit.session.id);

describe("PostgreSQL search and the unaccent extension", () => {
  it("with the extension, search folds accents both ways and snippets show the text as written", async () => {
    database = await createTestDatabase();
    store = await openPgStore({ url: database.url });
    const { both, one } = await seed(store);
    const plain = await store.sessions.search("cafe creme", { words: "any" });
    expect(ids(plain)).toEqual([both, one]);
    expect(plain[0]?.snippet).toContain("[café] [crème]");
    expect(ids(await store.sessions.search("CAFÉ"))).toHaveLength(2);
    const notes = await store.memories.search({ scope: "cli", userId: null }, "reunion");
    expect(notes.map((hit) => hit.snippet).sort()).toEqual(["la [réunion] est le mardi", "the [reunion] is on Friday"]);
    expect((await postgresBackend({ url: database.url }).server()).accentInsensitiveSearch).toBe(true);
  });

  it("without it, migrating works and search is accent-sensitive, still ranked and with snippets", async () => {
    database = await createTestDatabase();
    role = await createTestRole(database);
    store = await openPgStore({ url: role.url });
    const { both, one } = await seed(store);
    const hits = await store.sessions.search("café crème", { words: "any" });
    expect(ids(hits)).toEqual([both, one]);
    expect(hits[0]?.rank).toBeLessThan(hits[1]?.rank ?? 0);
    expect(hits[0]?.snippet).toContain("[café] [crème]");
    expect(await store.sessions.search("cafe")).toEqual([]);
    const notes = await store.memories.search({ scope: "cli", userId: null }, "réunion");
    expect(notes.map((hit) => hit.snippet)).toEqual(["la [réunion] est le mardi"]);
    expect((await postgresBackend({ url: role.url }).server()).accentInsensitiveSearch).toBe(false);
  });
});
