import { afterEach, describe, expect, it } from "vitest";
import { loadPgMigrations } from "../../src/store/postgres/pg-migrator.js";
import { runCli } from "../crash/child-gateway.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";
import { makeTempDir } from "../support/temp-dirs.js";

let database: TestDatabase | undefined;
let fake: FakeOpenAi | undefined;
afterEach(async () => {
  await database?.drop();
  await fake?.stop();
  database = undefined;
  fake = undefined;
});

/** The URL with a password in it (trust auth ignores it), which must never be printed. */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

describe("the CLI on PostgreSQL", () => {
  it("migrates, reports the server in doctor and runs commands, never printing the password", async () => {
    database = await createTestDatabase();
    fake = await new FakeOpenAi().start();
    const url = withPassword(database.url, "hunter2-very-secret");
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: makeTempDir("pg-cli-"),
      OPENAI_BASE_URL: fake.url,
      GATEWAY_MODEL: "fake-model",
      GATEWAY_DB: url,
      LOG_LEVEL: "silent",
    };
    const migrations = loadPgMigrations();
    const names = migrations.map((migration) => migration.name).join(", ");
    const latest = migrations.at(-1)?.version;
    const migrated = await runCli(["migrate"], env);
    expect(migrated, migrated.stderr).toMatchObject({ code: 0 });
    expect(migrated.stdout).toContain(`applied ${names}; schema version ${latest}`);
    expect((await runCli(["migrate"], env)).stdout).toContain(`is up to date (schema version ${latest})`);

    const doctor = await runCli(["doctor"], env);
    expect(doctor.stdout).toMatch(
      new RegExp(
        `ok\\s+database: postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:5432/cg_test_\\w+, schema version ${latest}`,
      ),
    );
    expect(doctor.stdout).toMatch(/PostgreSQL \d+/);
    expect(doctor.stdout).toContain(`migrations applied: ${names};`);
    expect(doctor.stdout).toContain("pool of 10 connections");
    expect(doctor.stdout).toContain("search folds accents (unaccent)");

    const ran = await runCli(["run", "-p", "hello postgres"], env);
    expect(ran, ran.stderr).toMatchObject({ code: 0, stdout: "echo: hello postgres\n" });
    const found = await runCli(["sessions", "search", "postgres", "--json"], env);
    expect(JSON.parse(found.stdout)).toMatchObject([{ snippet: expect.stringContaining("[postgres]") }]);
    expect((await runCli(["access", "allow", "telegram:7"], env)).code).toBe(0);
    expect((await runCli(["access", "list"], env)).stdout).toContain("telegram:7");

    const unreachable = { ...env, GATEWAY_DB: "postgres://postgres:hunter2-very-secret@127.0.0.1:1/nowhere" };
    const refused = await runCli(["sessions", "list"], unreachable);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("postgres://postgres:***@127.0.0.1:1/nowhere");
    for (const output of [migrated, doctor, ran, found, refused]) {
      expect(output.stdout + output.stderr).not.toContain("hunter2");
    }
  });
});
