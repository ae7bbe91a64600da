import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect } from "vitest";
import { ChatProcess } from "../chat/chat-helpers.js";
import {
  type CliResult,
  freePort,
  cliTest as it,
  parseJson,
  parseJsonLines,
  type SessionJson,
  type ShowJson,
  waitFor,
} from "../cli/run-cli.js";
import { FakeLoopbackPlatform } from "../fakes/fake-loopback-platform.js";
import { call } from "../memory/memory-world.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";

/*
 * Every CLI command that reads or writes the database, run on a postgres:// GATEWAY_DB (the
 * SQLite runs are in tests/cli, tests/memory, tests/triggers and tests/chat; `migrate`, `doctor`,
 * `run`, `sessions search` and `access allow/list` on PostgreSQL in postgres-cli.e2e.test.ts).
 */

let database: TestDatabase | undefined;
let platform: FakeLoopbackPlatform | undefined;
afterEach(async () => {
  await database?.drop();
  await platform?.stop();
  database = undefined;
  platform = undefined;
});

const yaml = [
  "models:",
  "  fake-model:",
  "    context_tokens: 2500",
  "compaction:",
  "  reserve_tokens: 200",
  "triggers:",
  "  - name: deploy",
  '    prompt: "Deploy of {{payload.service}} failed"',
  "    webhook: {secret_env: DEPLOY_HOOK_SECRET}",
  "    destination: {loopback: {conversation: ops}}",
  "",
].join("\n");

describe("every CLI command on a postgres:// GATEWAY_DB", () => {
  it("sessions, memories, usage, prune, triggers, access, tools, chat and status work on PostgreSQL", async ({
    cli: { fake, box },
  }) => {
    database = await createTestDatabase();
    platform = await new FakeLoopbackPlatform().start();
    writeFileSync(join(box.dir, "gateway.yml"), yaml);
    const env = {
      GATEWAY_DB: database.url,
      GATEWAY_CONFIG: "gateway.yml",
      DEPLOY_HOOK_SECRET: "cli-hook-secret",
      GATEWAY_LOOPBACK_URL: platform.url,
    };
    const ok = async (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
      const result = await box.run(args, { ...env, ...extra });
      expect(result.stderr, `gateway ${args.join(" ")}`).toBe("");
      expect(result.code, `gateway ${args.join(" ")}`).toBe(0);
      return result;
    };
    const run = async (args: string[]): Promise<string> => {
      const events = parseJsonLines((await ok(["run", "--json", ...args])).stdout);
      expect(events.at(-1)?.type).toBe("done");
      return String(events.at(-1)?.session_id);
    };
    const listed = async (...flags: string[]) =>
      parseJson<SessionJson[]>(await ok(["sessions", "list", "--json", ...flags])).map((session) => session.id);

    // Memories: saved by a turn, listed, forgotten.
    fake.reply(call("memory_save", { type: "project", content: "Deploys go out on Tuesdays." }), {
      kind: "text",
      text: "Noted.",
    });
    const first = await run(["-p", "remember that deploys go out on Tuesdays"]);
    const [memory] = parseJson<{ id: string; content: string }[]>(await ok(["memories", "list", "--json"]));
    expect(memory).toMatchObject({ content: "Deploys go out on Tuesdays." });
    expect((await ok(["memories", "forget", memory?.id ?? ""])).stdout).toContain(`forgot ${memory?.id}`);
    expect((await ok(["memories", "list"])).stdout).toBe("no memories\n");

    // Sessions: list, show, rename, archive, unarchive, search, compact, delete.
    const long = "the harbour lantern, the cache numbers and the invoice export ".repeat(25);
    const second = await run(["-p", `tell me about the harbour lantern ${long}`]);
    await run(["-p", `and the cache? ${long}`, "--continue"]);
    await run(["-p", "thanks", "--continue"]);
    expect(await listed()).toEqual(expect.arrayContaining([first, second]));
    const shown = parseJson<ShowJson>(await ok(["sessions", "show", second, "--json"]));
    expect(shown.messages.length).toBeGreaterThanOrEqual(6);
    expect((await ok(["sessions", "rename", second, "Lantern talk"])).stdout).toContain(second);
    expect((await ok(["sessions", "show", second])).stdout).toContain("Lantern talk");
    expect((await ok(["sessions", "archive", second])).stdout).toBe(`archived ${second}\n`);
    expect(await listed()).not.toContain(second);
    expect(await listed("--archived")).toContain(second);
    expect((await ok(["sessions", "unarchive", second])).stdout).toBe(`unarchived ${second}\n`);
    const hits = parseJson<{ id: string; snippet: string }[]>(await ok(["sessions", "search", "lantern", "--json"]));
    expect(hits[0]).toMatchObject({ id: second, snippet: expect.stringContaining("[lantern]") });
    fake.reply({ kind: "text", text: "Summary: the lantern and the cache." });
    expect((await ok(["sessions", "compact", second])).stdout).toMatch(new RegExp(`^compacted ${second}: summary`));
    expect((await ok(["sessions", "show", second])).stdout).toContain("Summary: the lantern and the cache.");
    expect((await ok(["sessions", "delete", first])).stdout).toBe(`deleted ${first}\n`);
    expect(await listed("--archived")).not.toContain(first);

    // Usage and pruning.
    const usage = parseJson<{ turns: number }[]>(await ok(["usage", "--by", "expert", "--json"]));
    expect(usage[0]?.turns).toBe(3);
    const pruned = parseJson<{ dry_run: boolean }>(
      await ok(["sessions", "prune", "--days", "1", "--dry-run", "--json"]),
    );
    expect(pruned).toMatchObject({ dry_run: true, days: 1 });

    // Triggers: run here (no gateway running), history, pause, resume, list.
    const fired = parseJson<{ status: string; answer: string }>(
      await ok(["triggers", "run", "deploy", "--payload", '{"service":"web"}', "--json"]),
    );
    expect(fired).toMatchObject({ status: "completed", answer: "echo: Deploy of web failed" });
    expect(platform.live("ops").map(({ text }) => text)).toEqual(["echo: Deploy of web failed"]);
    expect((await ok(["triggers", "history", "deploy"])).stdout).toContain("completed");
    expect((await ok(["triggers", "pause", "deploy"])).stdout).toBe("paused deploy\n");
    const triggers = parseJson<{ name: string; paused: boolean }[]>(await ok(["triggers", "list", "--json"]));
    expect(triggers).toEqual([expect.objectContaining({ name: "deploy", paused: true })]);
    expect((await ok(["triggers", "resume", "deploy"])).stdout).toBe("resumed deploy\n");

    // Access grants and tools.
    await ok(["access", "allow", "telegram:9"]);
    expect((await ok(["access", "list"])).stdout).toContain("telegram:9");
    await ok(["access", "revoke", "telegram:9"]);
    expect((await ok(["access", "list"])).stdout).not.toContain("telegram:9");
    expect((await ok(["tools", "list"])).stdout).toContain("current_time");

    // An interactive chat on the same database.
    const term = new ChatProcess(box, [], env);
    try {
      term.type("hello from chat");
      await term.shows("echo: hello from chat");
      expect((await term.end()).code).toBe(0);
    } finally {
      term.kill();
    }

    // status asks the running gateway, which runs on PostgreSQL too.
    const port = String(await freePort());
    const gateway = box.spawn(["start"], { ...env, PORT: port, HOST: "127.0.0.1" });
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200,
        () => `the gateway's /healthz\n${gateway.output().stderr}`,
      );
      const status = parseJson<{ ok: boolean }>(await ok(["status", "--json"], { PORT: port, HOST: "127.0.0.1" }));
      expect(status).toMatchObject({ ok: true });
    } finally {
      gateway.child.kill("SIGTERM");
      await gateway.done;
    }
  });
});
