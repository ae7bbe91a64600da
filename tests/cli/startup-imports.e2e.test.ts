import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { type CliSandbox, freePort, cliTest as it } from "./run-cli.js";

/*
 * Every CLI command starts a process, and the test suite and operators start many: cli.ts imports
 * each command's implementation only when that command runs, and the commands that only touch stored
 * data open the store without the composition root. These tests record what a child actually loads
 * (tests/support/load-recorder) and fail when a static import brings the heavy packages back.
 */

const recorder = fileURLToPath(new URL("../support/load-recorder/register.mjs", import.meta.url));

/** What only the commands that run turns, serve or talk to platforms need. */
const turnPackages = [
  "openai",
  "@slack/bolt",
  "@slack/web-api",
  "@slack/socket-mode",
  "grammy",
  "@modelcontextprotocol/sdk",
  "prom-client",
  "pino",
  "gpt-tokenizer",
];

/** Our modules that belong to some command, never to the CLI's start: the commands, the wiring, the core. */
const commandModule =
  /^(src\/cli\/(.+-command|composition-root|configured-store|read-store)\.js|src\/(agent|store|gateway|config|mcp|http|metrics|memory|triggers)\/|adapters\/)/;

/** Runs the CLI with the recorder preloaded; the loaded module URLs and the result. */
async function recordedRun(box: CliSandbox, args: string[], env: Record<string, string> = {}) {
  const record = join(box.dir, `loaded-${args.join("-")}.txt`);
  const result = await box.run(args, { ...env, NODE_OPTIONS: `--import=${recorder}`, LOAD_RECORD: record });
  expect(existsSync(record), `the recorder wrote nothing (exit ${result.code}): ${result.stderr}`).toBe(true);
  const urls = readFileSync(record, "utf8").split("\n").filter(Boolean);
  const packages = new Set(
    urls.flatMap((url) => {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      return match?.[1] ? [match[1]] : [];
    }),
  );
  /** Our own modules, as paths under dist/ (`src/cli.js`, `adapters/slack/…`). */
  const ours = urls.flatMap((url) => {
    const match = /\/dist\/((?:src|adapters)\/.+)$/.exec(url);
    return match?.[1] && !url.includes("/node_modules/") ? [match[1]] : [];
  });
  return { result, packages, ours };
}

describe.concurrent("what a CLI command loads at start", () => {
  it("--version and --help load commander and none of the commands", async ({ cli: { box } }) => {
    for (const args of [["--version"], ["--help"]]) {
      const { result, packages, ours } = await recordedRun(box, args);
      expect(result.code, result.stderr).toBe(0);
      // The recorder must see what it polices, or the test would pass vacuously.
      expect(ours).toContain("src/cli.js");
      expect([...packages]).toEqual(["commander"]);
      expect(ours.filter((path) => commandModule.test(path))).toEqual([]);
    }
  });

  it("sessions list on SQLite opens the store without the composition root, the agent or pg", async ({
    cli: { box },
  }) => {
    expect((await box.run(["migrate"])).code).toBe(0);
    const { result, packages, ours } = await recordedRun(box, ["sessions", "list"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("no sessions\n");
    expect([...packages]).toEqual(expect.arrayContaining(["better-sqlite3", "zod", "commander"]));
    for (const name of [...turnPackages, "pg"]) expect([...packages]).not.toContain(name);
    expect(ours).toContain("src/cli/configured-store.js");
    expect(ours).not.toContain("src/cli/composition-root.js");
    expect(ours.filter((path) => path.startsWith("adapters/") || path.startsWith("src/agent/llm"))).toEqual([]);
  });

  it("on PostgreSQL the same command loads pg and not better-sqlite3", async ({ cli: { box } }) => {
    // Nothing listens there: the command fails to connect, after choosing and loading its backend.
    const url = `postgres://127.0.0.1:${await freePort()}/gateway`;
    const { result, packages } = await recordedRun(box, ["sessions", "list"], { GATEWAY_DB: url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot open database postgres:\/\/127\.0\.0\.1:\d+\/gateway/);
    expect([...packages]).toContain("pg");
    for (const name of [...turnPackages, "better-sqlite3"]) expect([...packages]).not.toContain(name);
  });
});
