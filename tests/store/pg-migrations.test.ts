import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MigrationError } from "../../src/errors.js";
import type { Migration } from "../../src/store/migration-files.js";
import { postgresBackend } from "../../src/store/postgres/pg-backend.js";
import { PgDatabase } from "../../src/store/postgres/pg-database.js";
import { loadPgMigrations, migratePg } from "../../src/store/postgres/pg-migrator.js";
import { createTestDatabase, type TestDatabase } from "./pg-test-database.js";

/*
 * The PostgreSQL migrator's bookkeeping, as tests/store/migrations.test.ts checks SQLite's:
 * every file the database does not record is applied, whatever the newest applied; a recorded
 * version without a file is refused. Each test migrates a schema of its own.
 */

let made: Promise<TestDatabase> | undefined;
afterAll(async () => {
  await (await made?.catch(() => undefined))?.drop();
});

let db: PgDatabase;
let url: string;
let schemas = 0;

beforeEach(async () => {
  made ??= createTestDatabase();
  url = await (await made).schemaUrl(`migrations_${++schemas}`);
  db = new PgDatabase({ url });
});

afterEach(async () => {
  await db.close();
});

/** A migration that creates table `t<version>`. */
function creates(version: number, name: string): Migration {
  return { version, name: `${String(version).padStart(3, "0")}-${name}`, sql: `CREATE TABLE t${version} (id int)` };
}

async function recordedVersions(): Promise<number[]> {
  const rows = await db.rows<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
  return rows.map((row) => row.version);
}

async function tables(): Promise<string[]> {
  const rows = await db.rows<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
  );
  return rows.map((row) => row.name);
}

async function refusal(migrations: Migration[]): Promise<unknown> {
  return migratePg(db, migrations).then(
    () => {
      throw new Error("expected migratePg to refuse");
    },
    (error: unknown) => error,
  );
}

describe("migratePg", () => {
  it("applies a migration numbered below the newest applied (merged late), and only that one", async () => {
    expect((await migratePg(db, [creates(1, "one"), creates(3, "three")])).applied.map((m) => m.name)).toEqual([
      "001-one",
      "003-three",
    ]);

    // A branch brings 002 after 003 ran; a newer 004 arrives with it.
    const all = [creates(1, "one"), creates(2, "two"), creates(3, "three"), creates(4, "four")];
    const report = await migratePg(db, all);
    expect(report.applied.map((m) => m.name)).toEqual(["002-two", "004-four"]);
    expect(report.version).toBe(4);
    expect(await tables()).toEqual(["schema_migrations", "t1", "t2", "t3", "t4"]);
    expect(await recordedVersions()).toEqual([1, 2, 3, 4]);
    expect((await migratePg(db, all)).applied).toEqual([]);
  });

  it("refuses a database recording a migration no file has (below the newest too) before applying anything", async () => {
    await migratePg(db, [creates(1, "one"), creates(3, "three")]);
    // Another gateway build applied its 002, which this one does not ship.
    await db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (2, '002-elsewhere', now())");

    const error = await refusal([creates(1, "one"), creates(3, "three"), creates(4, "four")]);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "STORE_TOO_NEW" });
    expect((error as MigrationError).message).toContain("002-elsewhere.sql");
    expect(await tables()).not.toContain("t4");
    expect(await recordedVersions()).toEqual([1, 2, 3]);
  });

  it("refuses a database newer than the code, naming the migration it does not know", async () => {
    await migratePg(db, [creates(1, "one"), creates(2, "two")]);

    const error = await refusal([creates(1, "one")]);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "STORE_TOO_NEW" });
    expect((error as MigrationError).message).toMatch(/002-two\.sql.*upgrade chat-gateway/);
    expect(await recordedVersions()).toEqual([1, 2]);
  });

  it("inspect (gateway doctor) names the migrations not applied and those without a file", async () => {
    const shipped = loadPgMigrations();
    await migratePg(db, shipped);
    const second = shipped[1]?.name;
    await db.run("DELETE FROM schema_migrations WHERE version = 2");
    await db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999-future', now())");
    const status = await postgresBackend({ url }).inspect();
    expect(status).toMatchObject({ version: 999, pending: [second], unknown: ["999-future"] });
  });

  it("rolls a failing migration back entirely and reports STORE_MIGRATION naming it", async () => {
    const bad: Migration = {
      version: 2,
      name: "002-bad",
      sql: "CREATE TABLE partial (id int); INSERT INTO no_such_table VALUES (1)",
    };
    const error = await refusal([creates(1, "one"), bad, creates(3, "three")]);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "STORE_MIGRATION" });
    expect((error as MigrationError).message).toContain("002-bad");
    expect(await tables()).toEqual(["schema_migrations", "t1"]);
    expect(await recordedVersions()).toEqual([1]);
  });
});
