import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gatewayEnv, runCli, waitFor } from "../crash/child-gateway.js";
import { answersOf, CrashWorld, echoOf } from "../crash/crash-world.js";
import { call } from "../memory/memory-world.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";

const HOOK_SECRET = "copy-hook-secret";

let world: CrashWorld | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await world?.close();
  await database?.drop();
  world = undefined;
  database = undefined;
});

/** `table  rows` lines of a copy's output, as a map. */
function counts(stdout: string): Map<string, number> {
  return new Map(
    stdout
      .split("\n")
      .map((line) => /^(\w+)\s+(\d+)$/.exec(line))
      .flatMap((match) => (match?.[1] && match[2] ? [[match[1], Number(match[2])] as const] : [])),
  );
}

describe("gateway db copy", () => {
  it("copies a SQLite database with traffic to PostgreSQL and back with equal counts; the gateway continues the same session", async () => {
    const here = await CrashWorld.create();
    world = here;
    database = await createTestDatabase();
    const config = join(world.sandbox.dir, "gateway.yml");
    writeFileSync(
      config,
      [
        "triggers:",
        "  - name: deploy",
        "    prompt: Deploy failed",
        "    webhook: {secret_env: DEPLOY_HOOK_SECRET}",
        "    destination: {loopback: {conversation: ops}}",
        "",
      ].join("\n"),
    );
    const extra = { GATEWAY_CONFIG: config, DEPLOY_HOOK_SECRET: HOOK_SECRET };
    const env = (db: string) =>
      gatewayEnv({
        db,
        home: world?.sandbox.dir ?? "",
        modelUrl: world?.model.url ?? "",
        platformUrl: world?.platform.url ?? "",
        extra,
      });
    const sqlite = world.sandbox.db;

    // Traffic on SQLite: two conversations, a trigger run, a grant, a memory.
    const life = await world.start({ extra });
    const messages = [world.message("A", 1), world.message("B", 1), world.message("A", 2)];
    for (const message of messages) expect((await life.post(message)).kind).toBe("accepted");
    const hook = await fetch(`${life.url}/hooks/deploy`, {
      method: "POST",
      headers: { authorization: `Bearer ${HOOK_SECRET}` },
    });
    expect(hook.status).toBe(202);
    await waitFor(
      () => [...answersOf(here.platform, messages).values()].every((found) => found.length > 0),
      () => `answers\n${world?.logs()}`,
    );
    await waitFor(
      () => world?.platform.live("ops").some(({ text }) => text === "echo: Deploy failed"),
      "the trigger's answer",
    );
    expect((await life.stop()).code).toBe(0);
    const session = (await runCli(["sessions", "list", "--json"], env(sqlite))).stdout;
    const sessionA = (JSON.parse(session) as { id: string; conversation_key: string }[]).find(
      (s) => s.conversation_key === "loopback:A",
    );
    expect(sessionA).toBeDefined();
    expect((await runCli(["access", "allow", "telegram:42"], env(sqlite))).code).toBe(0);
    world.model.reply(call("memory_save", { type: "project", content: "Copies keep memories." }), {
      kind: "text",
      text: "Noted.",
    });
    expect((await runCli(["run", "-p", "remember this"], env(sqlite))).code).toBe(0);

    // SQLite → PostgreSQL.
    const there = await runCli(["db", "copy", "--from", sqlite, "--to", database.url], env(sqlite));
    expect(there, there.stderr).toMatchObject({ code: 0 });
    expect(there.stdout).toContain("counts verified");
    const copied = counts(there.stdout);
    for (const table of ["sessions", "messages", "inbound", "outbox", "usage", "memories", "trigger_runs"]) {
      expect(copied.get(table), table).toBeGreaterThan(0);
    }
    expect(copied.get("access_grants")).toBe(1);

    // A second copy onto the now non-empty target is refused, then allowed with --force.
    const refused = await runCli(["db", "copy", "--from", sqlite, "--to", database.url], env(sqlite));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not empty");
    expect(refused.stderr).toContain("--force");
    const forced = await runCli(["db", "copy", "--from", sqlite, "--to", database.url, "--force"], env(sqlite));
    expect(forced.code, forced.stderr).toBe(0);
    expect(counts(forced.stdout)).toEqual(copied);

    // PostgreSQL → a new SQLite file: the same counts.
    const back = join(world.sandbox.dir, "back.db");
    const returned = await runCli(["db", "copy", "--from", database.url, "--to", back], env(sqlite));
    expect(returned.code, returned.stderr).toBe(0);
    expect(counts(returned.stdout)).toEqual(copied);

    // A gateway on PostgreSQL continues conversation A in the same session, with its history.
    const onPostgres = await world.start({ extra: { ...extra, GATEWAY_DB: database.url } });
    const followUp = world.message("A", 3);
    expect(await onPostgres.post(followUp)).toMatchObject({ kind: "accepted", sessionId: sessionA?.id });
    await waitFor(
      () => world?.platform.live("A").some(({ text }) => text === echoOf([followUp.text])),
      () => `the follow-up's answer\n${world?.logs()}`,
    );
    const history = world.model.requests.at(-1)?.messages.map((message) => message.content) ?? [];
    expect(history).toEqual(expect.arrayContaining([messages[0]?.text, messages[2]?.text, followUp.text]));
    // A redelivery of a message copied over is still recognised as a duplicate.
    expect(await onPostgres.post(messages[0] ?? followUp)).toEqual({ kind: "duplicate" });
    expect((await onPostgres.stop()).code).toBe(0);
  });
});
