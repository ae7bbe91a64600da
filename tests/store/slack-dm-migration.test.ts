import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../../src/store/sqlite/database.js";
import { loadMigrations, migrate } from "../../src/store/sqlite/migrator.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

let dir: string;
let db: Db;

beforeEach(() => {
  dir = makeTempDir("cg-dm-migration-");
  db = openDatabase(join(dir, "gateway.db"));
  migrate(
    db,
    loadMigrations().filter((m) => m.version <= 6),
  );
});

afterEach(() => {
  db.close();
  removeTempDir(dir);
});

function seed(id: string, key: string, state: string, updatedAt: number, origin = "chat"): void {
  db.prepare(
    `INSERT INTO sessions (id, channel, conversation_key, expert, state, origin, created_at, updated_at)
     VALUES (?, ?, ?, 'default', ?, ?, ?, ?)`,
  ).run(id, key.split(":")[0], key, state, origin, updatedAt, updatedAt);
  if (state === "active") {
    db.prepare("INSERT INTO conversations (conversation_key, channel, session_id) VALUES (?, ?, ?)").run(
      key,
      key.split(":")[0],
      id,
    );
  }
}

const sessions = () =>
  db
    .prepare<[], { id: string; conversation_key: string; state: string }>(
      "SELECT id, conversation_key, state FROM sessions ORDER BY id",
    )
    .all();
const current = () =>
  db
    .prepare<[], { conversation_key: string; session_id: string }>(
      "SELECT conversation_key, session_id FROM conversations ORDER BY conversation_key",
    )
    .all();

describe("migration 007: a Slack DM is one conversation", () => {
  it("makes each DM's newest session its current one and keeps the older ones listed under the DM", () => {
    seed("s_old", "slack:T1:D1:1700000000.000100", "active", 10);
    seed("s_new", "slack:T1:D1:1700000500.000100", "active", 50);
    seed("s_arch", "slack:T1:D1:1700000900.000100", "archived", 90);
    seed("s_other", "slack:T1:D2:1700000000.000200", "active", 20);
    seed("s_chan", "slack:T1:C1:1700000000.000300", "active", 30);
    seed("s_trig", "slack:T1:D1:1700000600.000100", "active", 60, "trigger");
    seed("s_tg", "telegram:42", "active", 40);
    migrate(db, loadMigrations());
    expect(sessions()).toEqual([
      { id: "s_arch", conversation_key: "slack:T1:D1", state: "archived" },
      { id: "s_chan", conversation_key: "slack:T1:C1:1700000000.000300", state: "active" },
      { id: "s_new", conversation_key: "slack:T1:D1", state: "active" },
      { id: "s_old", conversation_key: "slack:T1:D1", state: "inactive" },
      { id: "s_other", conversation_key: "slack:T1:D2", state: "active" },
      { id: "s_tg", conversation_key: "telegram:42", state: "active" },
      { id: "s_trig", conversation_key: "slack:T1:D1:1700000600.000100", state: "active" },
    ]);
    expect(current()).toEqual([
      { conversation_key: "slack:T1:C1:1700000000.000300", session_id: "s_chan" },
      { conversation_key: "slack:T1:D1", session_id: "s_new" },
      { conversation_key: "slack:T1:D1:1700000600.000100", session_id: "s_trig" },
      { conversation_key: "slack:T1:D2", session_id: "s_other" },
      { conversation_key: "telegram:42", session_id: "s_tg" },
    ]);
  });
});
