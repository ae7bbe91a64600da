import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { CLI_PATH, type CliSandbox, freePort, cliTest as it, lines, parseJson, waitFor } from "./run-cli.js";

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * `gateway ARGS | head -n 1` in a real shell. The reader closes the pipe
 * (`exec touch head-done <&-` drops the last copy of its read end) before
 * `release` is called, so the CLI's later writes meet a closed pipe. The
 * CLI's exit code and stderr are kept in files.
 */
async function pipedToHead(box: CliSandbox, args: string[], release?: () => void) {
  const gateway = [process.execPath, CLI_PATH, ...args].map(quote).join(" ");
  const script = `{ ${gateway} 2> cli-stderr; echo $? > cli-code; } | (head -n 1 > head-out; exec touch head-done <&-)`;
  const shell = spawn("sh", ["-c", script], { cwd: box.dir, env: box.env(), stdio: "ignore" });
  const closed = new Promise((resolve) => shell.once("close", resolve));
  await waitFor(() => existsSync(join(box.dir, "head-done")), "head to exit", 60_000);
  release?.();
  await closed;
  return {
    code: Number(readFileSync(join(box.dir, "cli-code"), "utf8")),
    stderr: readFileSync(join(box.dir, "cli-stderr"), "utf8"),
    head: readFileSync(join(box.dir, "head-out"), "utf8"),
  };
}

describe.concurrent("the CLI never surprises", { timeout: 90_000 }, () => {
  it("--version prints the package version", async ({ cli: { box } }) => {
    const [long, short] = await Promise.all([box.run(["--version"]), box.run(["-V"])]);
    expect(long.code).toBe(0);
    expect(long.stdout).toBe(`${version}\n`);
    expect(short.stdout).toBe(`${version}\n`);
  });

  it("numeric flags are validated with a clear error", async ({ cli: { box } }) => {
    const cases: [string[], string][] = [
      [["triggers", "history", "digest", "--limit", "abc"], "--limit"],
      [["triggers", "history", "digest", "--limit", "0"], "--limit"],
      [["sessions", "prune", "--days", "0"], "--days"],
      [["sessions", "prune", "--days", "1.5"], "--days"],
      [["sessions", "prune", "--days", "-3"], "--days"],
    ];
    const results = await Promise.all(cases.map(([args]) => box.run(args)));
    for (const [index, result] of results.entries()) {
      const [args, flag] = cases[index] ?? [[], ""];
      expect(result.code, args.join(" ")).toBe(1);
      expect(lines(result.stderr)[0], args.join(" ")).toMatch(
        new RegExp(`^error: option '${flag} <n>' argument '.*' is invalid\\. must be a whole number from 1 to`),
      );
    }
    expect(existsSync(box.db)).toBe(false);
  });

  it("read-only commands never create a database and say where they looked", async ({ cli: { box } }) => {
    const listing = [
      ["sessions", "list"],
      ["sessions", "list", "--json"],
      ["sessions", "search", "anything"],
      ["memories", "list"],
      ["usage"],
      ["triggers", "list"],
      ["access", "list"],
      ["sessions", "prune", "--days", "3", "--dry-run"],
    ];
    const single = [
      ["sessions", "show", "s_abc"],
      ["sessions", "delete", "s_abc"],
      ["sessions", "compact", "s_abc"],
      ["memories", "forget", "m_abc"],
    ];
    const [listed, refused] = await Promise.all([
      Promise.all(listing.map((args) => box.run(args))),
      Promise.all(single.map((args) => box.run(args))),
    ]);
    for (const [index, result] of listed.entries()) {
      const what = listing[index]?.join(" ");
      expect(result.code, `${what}: ${result.stderr}`).toBe(0);
      expect(result.stderr, what).toContain(`no database at ${box.db}`);
    }
    expect(parseJson(listed[1] ?? { code: 0, signal: null, stdout: "", stderr: "" })).toEqual([]);
    for (const [index, result] of refused.entries()) {
      const what = single[index]?.join(" ");
      expect(result.code, what).toBe(1);
      expect(lines(result.stderr), what).toEqual([expect.stringContaining(`error: no database at ${box.db}`)]);
    }
    expect(existsSync(box.db)).toBe(false);
    expect(existsSync(join(box.dir, "db"))).toBe(false);
  });

  it("an unreachable model endpoint is named with its URL and the cause", async ({ cli: { box } }) => {
    const closed = `http://127.0.0.1:${await freePort()}/v1`;
    const result = await box.run(["run", "-p", "hi", "--no-session"], { OPENAI_BASE_URL: closed });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([`error: the model endpoint could not be reached (${closed}: ECONNREFUSED)`]);
  });

  it("credentials in the endpoint URL never reach the error", async ({ cli: { box } }) => {
    const port = await freePort();
    const result = await box.run(["run", "-p", "hi", "--no-session"], {
      OPENAI_BASE_URL: `http://alice:hunter2@127.0.0.1:${port}/v1?api-key=topsecret`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`http://127.0.0.1:${port}/v1`);
    expect(result.stderr).not.toMatch(/hunter2|topsecret|alice/);
  });

  it("start with nothing configured points to gateway init", async ({ cli: { box } }) => {
    const result = await box.run(["start"], { GATEWAY_MODEL: undefined, OPENAI_BASE_URL: undefined });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringContaining('run "gateway init"')]);
  });

  it("run … | head ends quietly, and the whole turn is still stored", async ({ cli: { fake, box } }) => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const text = Array.from({ length: 400 }, (_, i) => `line ${i}\n`).join("");
    fake.reply({
      kind: "text",
      text,
      pieces: text.match(/[\s\S]{1,80}/g) ?? [],
      pause: { afterPieces: 1, until: held },
    });
    const result = await pipedToHead(box, ["run", "-p", "count"], release);
    expect(result.head).toBe("line 0\n");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [session] = parseJson<{ id: string }[]>(await box.run(["sessions", "list", "--json"]));
    const shown = await box.run(["sessions", "show", session?.id ?? "", "--json"]);
    const messages = parseJson<{ messages: { kind: string; content: string }[] }>(shown).messages;
    expect(messages.find((message) => message.kind === "assistant")?.content).toBe(text);
  });

  it("sessions show … | head ends quietly", async ({ cli: { fake, box } }) => {
    // Far more than a pipe holds (64 KiB), so the CLI is still writing when head has gone.
    const text = Array.from({ length: 8000 }, (_, i) => `paragraph ${i} of a long answer\n`).join("");
    fake.reply({ kind: "text", text, pieces: text.match(/[\s\S]{1,4000}/g) ?? [] });
    const run = await box.run(["run", "-p", "long", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const [session] = parseJson<{ id: string }[]>(await box.run(["sessions", "list", "--json"]));
    const result = await pipedToHead(box, ["sessions", "show", session?.id ?? ""]);
    expect(result.head).toContain(session?.id);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
