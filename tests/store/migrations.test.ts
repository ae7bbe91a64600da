import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MigrationError, StoreError } from "../../src/errors.js";
import { type Db, openDatabase } from "../../src/store/sqlite/database.js";
import { loadMigrations, migrate, schemaVersion } from "../../src/store/sqlite/migrator.js";
import { sqliteBackend } from "../../src/store/sqlite/sqlite-backend.js";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { runChild } from "../support/child-processes.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const realMigrations = join(root, "migrations");

let dir: string;
const opened: Db[] = [];

beforeEach(() => {
  dir = makeTempDir("cg-migrations-");
});

afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  removeTempDir(dir);
});

function open(path: string): Db {
  const db = openDatabase(path);
  opened.push(db);
  return db;
}

function tableNames(db: Db): string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);
}

function recorded(db: Db): { version: number; name: string }[] {
  return db.prepare<[], { version: number; name: string }>("SELECT version, name FROM schema_migrations").all();
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

describe("openStore and migrate", () => {
  it("applies every shipped migration on open, in order, and records each in schema_migrations", async () => {
    const shipped = loadMigrations();
    expect(shipped.map((m) => m.name).slice(0, 2)).toEqual(["001-init", "002-conversation-control"]);
    const store = openStore(join(dir, "nested", "gateway.db"), { clock: () => 42 });
    try {
      expect(store.migration?.applied.map((m) => m.name)).toEqual(shipped.map((m) => m.name));
      expect(store.migration?.version).toBe(shipped.at(-1)?.version);
      const rows = store.db
        .prepare<[], { version: number; name: string; applied_at: number }>(
          "SELECT * FROM schema_migrations ORDER BY version",
        )
        .all();
      expect(rows).toEqual(shipped.map((m) => ({ version: m.version, name: m.name, applied_at: 42 })));
      expect(tableNames(store.db)).toEqual(
        expect.arrayContaining(["sessions", "conversations", "turns", "messages", "messages_fts", "usage", "outbox"]),
      );
    } finally {
      await store.close();
    }
  });

  it("applies nothing the second time, on the same or a new connection", async () => {
    const path = join(dir, "gateway.db");
    const store = openStore(path);
    try {
      expect(migrate(store.db)).toEqual({ applied: [], version: loadMigrations().at(-1)?.version });
    } finally {
      await store.close();
    }
    const again = openStore(path);
    try {
      expect(again.migration?.applied).toEqual([]);
      expect(recorded(again.db)).toHaveLength(loadMigrations().length);
    } finally {
      await again.close();
    }
  });

  it("opens in WAL mode with foreign keys on", async () => {
    const store = openStore(join(dir, "gateway.db"));
    try {
      expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(Number(store.db.pragma("busy_timeout", { simple: true }))).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it("refuses a database newer than the code with STORE_TOO_NEW", () => {
    const path = join(dir, "gateway.db");
    const db = open(path);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER)");
    db.prepare("INSERT INTO schema_migrations VALUES (999, '999-future', 1)").run();
    db.close();

    const error = catchError(() => openStore(path));
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: "STORE_TOO_NEW" });
    const message = (error as StoreError).message;
    expect(message).toContain("999-future.sql");
    expect(message).toMatch(/newer/);
    expect(message).toMatch(/upgrade/i);

    // Nothing of 001 was applied to the refused database.
    const check = open(path);
    expect(tableNames(check)).not.toContain("sessions");
    expect(schemaVersion(check)).toBe(999);
  });

  it("rolls a failing migration back entirely and reports STORE_MIGRATION", () => {
    const migrations = join(dir, "migrations");
    mkdirSync(migrations);
    writeFileSync(join(migrations, "001-good.sql"), "CREATE TABLE good (id INTEGER PRIMARY KEY);");
    writeFileSync(
      join(migrations, "002-bad.sql"),
      `CREATE TABLE partial_a (id INTEGER PRIMARY KEY);
       INSERT INTO partial_a (id) VALUES (1);
       CREATE TABLE partial_b (id INTEGER PRIMARY KEY);
       INSERT INTO no_such_table VALUES (1);
       CREATE TABLE never_reached (id INTEGER);`,
    );
    writeFileSync(join(migrations, "README.md"), "not a migration");
    const loaded = loadMigrations(migrations);
    expect(loaded.map((m) => [m.version, m.name])).toEqual([
      [1, "001-good"],
      [2, "002-bad"],
    ]);

    const db = open(join(dir, "gateway.db"));
    const error = catchError(() => migrate(db, loaded));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: "STORE_MIGRATION" });
    expect((error as StoreError).message).toContain("002-bad");

    const tables = tableNames(db);
    expect(tables).toContain("good");
    expect(tables).not.toContain("partial_a");
    expect(tables).not.toContain("partial_b");
    expect(tables).not.toContain("never_reached");
    expect(recorded(db)).toEqual([{ version: 1, name: "001-good" }]);
    expect(db.inTransaction).toBe(false);

    // Fixing the file lets a later run pick up where it stopped.
    writeFileSync(join(migrations, "002-bad.sql"), "CREATE TABLE partial_a (id INTEGER PRIMARY KEY);");
    expect(migrate(db, loadMigrations(migrations)).applied.map((m) => m.version)).toEqual([2]);
  });

  it("applies a migration numbered below the newest applied (merged late), and only that one", () => {
    const migrations = join(dir, "migrations");
    mkdirSync(migrations);
    writeFileSync(join(migrations, "001-one.sql"), "CREATE TABLE one (id INTEGER PRIMARY KEY);");
    writeFileSync(join(migrations, "003-three.sql"), "CREATE TABLE three (id INTEGER PRIMARY KEY);");
    const db = open(join(dir, "gateway.db"));
    expect(migrate(db, loadMigrations(migrations)).applied.map((m) => m.name)).toEqual(["001-one", "003-three"]);

    // A branch brings 002 after 003 ran; a newer 004 arrives with it.
    writeFileSync(join(migrations, "002-two.sql"), "CREATE TABLE two (id INTEGER PRIMARY KEY);");
    writeFileSync(join(migrations, "004-four.sql"), "CREATE TABLE four (id INTEGER PRIMARY KEY);");
    const report = migrate(db, loadMigrations(migrations));
    expect(report.applied.map((m) => m.name)).toEqual(["002-two", "004-four"]);
    expect(report.version).toBe(4);
    expect(tableNames(db)).toEqual(expect.arrayContaining(["one", "two", "three", "four"]));
    expect(recorded(db).map((row) => row.version)).toEqual([1, 2, 3, 4]);
    expect(migrate(db, loadMigrations(migrations)).applied).toEqual([]);
  });

  it("inspect (gateway doctor) names the migrations not applied and those without a file", async () => {
    const path = join(dir, "gateway.db");
    const db = open(path);
    migrate(db);
    db.prepare("DELETE FROM schema_migrations WHERE version = 11").run();
    db.prepare("INSERT INTO schema_migrations VALUES (999, '999-future', 1)").run();
    db.close();
    const status = await sqliteBackend(path).inspect();
    expect(status).toMatchObject({ version: 999, pending: ["011-tool-approvals"], unknown: ["999-future"] });
  });

  it("refuses a database recording a migration no file has (below the newest too) before applying anything", () => {
    const migrations = join(dir, "migrations");
    mkdirSync(migrations);
    writeFileSync(join(migrations, "001-one.sql"), "CREATE TABLE one (id INTEGER PRIMARY KEY);");
    writeFileSync(join(migrations, "003-three.sql"), "CREATE TABLE three (id INTEGER PRIMARY KEY);");
    const db = open(join(dir, "gateway.db"));
    migrate(db, loadMigrations(migrations));
    // Another gateway build applied its 002, which this one does not ship.
    db.prepare("INSERT INTO schema_migrations VALUES (2, '002-elsewhere', 1)").run();
    writeFileSync(join(migrations, "004-four.sql"), "CREATE TABLE four (id INTEGER PRIMARY KEY);");

    const error = catchError(() => migrate(db, loadMigrations(migrations)));
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "STORE_TOO_NEW" });
    expect((error as MigrationError).message).toContain("002-elsewhere.sql");
    expect(tableNames(db)).not.toContain("four");
    expect(recorded(db).map((row) => row.version)).toEqual([1, 2, 3]);
  });
});

/**
 * Transpiles the migrator and what it imports into a folder that plain `node`
 * can run, so two real processes can race each other on one database file.
 */
function buildRunner(target: string): string {
  const pending = [join(root, "src/store/sqlite/database.ts"), join(root, "src/store/sqlite/migrator.ts")];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop();
    if (!file || done.has(file)) continue;
    done.add(file);
    const output = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    const out = join(target, relative(root, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, output);
    for (const ref of ts.preProcessFile(output, true, true).importedFiles) {
      if (ref.fileName.startsWith(".")) pending.push(resolve(dirname(file), ref.fileName).replace(/\.js$/, ".ts"));
    }
  }
  writeFileSync(join(target, "package.json"), '{ "type": "module" }');
  symlinkSync(join(root, "node_modules"), join(target, "node_modules"), "dir");
  const script = join(target, "race.mjs");
  // Each process opens and migrates race-<k>.db at the same clock tick as its twin, round after round.
  writeFileSync(
    script,
    `import { openDatabase } from "./src/store/sqlite/database.js";
import { loadMigrations, migrate } from "./src/store/sqlite/migrator.js";
const [dir, migrations, startAt, rounds, step] = process.argv.slice(2);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const results = [];
for (let k = 0; k < Number(rounds); k++) {
  const at = Number(startAt) + k * Number(step);
  if (at - Date.now() > 2) Atomics.wait(sleeper, 0, 0, at - Date.now() - 2);
  while (Date.now() < at) {}
  try {
    const db = openDatabase(dir + "/race-" + k + ".db");
    const report = migrate(db, loadMigrations(migrations));
    db.close();
    results.push({ ok: true, applied: report.applied.map((m) => m.version) });
  } catch (error) {
    const where = String(error.stack).split("\\n").find((line) => line.includes("/src/"));
    results.push({ ok: false, round: k, code: error.code, message: error.message, at: where?.trim() });
  }
}
console.log(JSON.stringify(results));
`,
  );
  return script;
}

interface RaceResult {
  ok: boolean;
  applied?: number[];
  round?: number;
  code?: string;
  message?: string;
  at?: string;
}

describe("concurrent migrations", () => {
  it("two processes opening and migrating one fresh database at once both succeed, each migration applied once", async () => {
    const script = buildRunner(join(dir, "runner"));
    const migrations = join(dir, "migrations");
    mkdirSync(migrations);
    copyFileSync(join(realMigrations, "001-init.sql"), join(migrations, "001-init.sql"));
    // Several small migrations widen the window in which the two processes interleave.
    const versions = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    for (const version of versions.slice(1)) {
      const file = `${String(version).padStart(3, "0")}-extra-${version}.sql`;
      writeFileSync(join(migrations, file), `CREATE TABLE extra_${version} (id INTEGER PRIMARY KEY);`);
    }

    const rounds = 20;
    const startAt = String(Date.now() + 700);
    const outputs = await Promise.all(
      [0, 1].map(async () => {
        const result = await runChild(process.execPath, [script, dir, migrations, startAt, String(rounds), "60"]);
        expect(result.code, result.stderr).toBe(0);
        return JSON.parse(result.stdout) as RaceResult[];
      }),
    );
    const failures = outputs.flat().filter((result) => !result.ok);
    expect(failures, `failed opens/migrations:\n${failures.map((f) => JSON.stringify(f)).join("\n")}`).toEqual([]);
    for (let round = 0; round < rounds; round++) {
      const applied = outputs.flatMap((results) => results[round]?.applied ?? []).sort((a, b) => a - b);
      expect(applied, `round ${round}`).toEqual(versions);
      const db = open(join(dir, `race-${round}.db`));
      expect(recorded(db).map((row) => row.version)).toEqual(versions);
      expect(tableNames(db)).toEqual(expect.arrayContaining(["sessions", "extra_2", "extra_10"]));
      db.close();
    }
  });
});
