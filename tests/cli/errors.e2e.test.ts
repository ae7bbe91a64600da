import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import { type CliResult, cliTest as it, lines, parseJson, parseJsonLines, type ShowJson, waitFor } from "./run-cli.js";

/** Asserts a failed command: non-zero exit, exactly one stderr line, no stack trace; returns that line. */
function oneLineError(result: CliResult): string {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.code, "killed instead of exiting").not.toBeNull();
  expect(lines(result.stderr), result.stderr).toHaveLength(1);
  expect(result.stderr).not.toContain("    at ");
  return lines(result.stderr)[0] ?? "";
}

function userTexts(request: ChatRequestBody | undefined): unknown[] {
  return (request?.messages ?? []).filter((message) => message.role === "user").map((message) => message.content);
}

describe.concurrent("configuration errors", () => {
  it("PORT=abc fails with one line naming PORT", async ({ cli: { fake, box } }) => {
    const [run, list] = await Promise.all([
      box.run(["run", "-p", "hi"], { PORT: "abc" }),
      box.run(["sessions", "list"], { PORT: "abc" }),
    ]);
    expect(oneLineError(run)).toMatch(/^error: PORT/);
    expect(oneLineError(list)).toMatch(/^error: PORT/);
    expect(run.stderr).toContain('"abc"');
    expect(fake.requests).toHaveLength(0);
  });

  it("a bad value in the GATEWAY_CONFIG YAML names the file and the line", async ({ cli: { box } }) => {
    const file = join(box.dir, "gateway.yml");
    writeFileSync(
      file,
      ["model:", "  default: fake-model", "gateway:", "  log_level: silent", "  port: not-a-port"].join("\n"),
    );
    const result = await box.run(["sessions", "list"], { GATEWAY_CONFIG: "gateway.yml" });
    const line = oneLineError(result);
    expect(line).toMatch(/^error: /);
    expect(line).toContain(`${file}:5: gateway.port: `);
  });

  it("an unknown key in the YAML names the key and its line", async ({ cli: { box } }) => {
    const file = join(box.dir, "gateway.yml");
    writeFileSync(file, ["gateway:", "  log_level: silent", "  prot: 8080"].join("\n"));
    const line = oneLineError(await box.run(["sessions", "list"], { GATEWAY_CONFIG: file }));
    expect(line).toMatch(/^error: /);
    expect(line).toContain(`${file}:3: `);
    expect(line).toMatch(/(unknown|unrecognized) key.*"prot"/i);
  });

  it("a missing GATEWAY_CONFIG file is named", async ({ cli: { box } }) => {
    const line = oneLineError(await box.run(["sessions", "list"], { GATEWAY_CONFIG: "missing.yml" }));
    expect(line).toMatch(/^error: GATEWAY_CONFIG: cannot read .*missing\.yml/);
  });

  it("run without GATEWAY_MODEL names GATEWAY_MODEL; sessions commands do not need it", async ({
    cli: { fake, box },
  }) => {
    const [run, list] = await Promise.all([
      box.run(["run", "-p", "hi"], { GATEWAY_MODEL: undefined }),
      box.run(["sessions", "list"], { GATEWAY_MODEL: undefined }),
    ]);
    expect(oneLineError(run)).toContain("GATEWAY_MODEL");
    expect(fake.requests).toHaveLength(0);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe("no sessions\n");
  });
});

describe.concurrent("model failures", () => {
  it("repeated 500s fail the run with one line after retrying, and the next run works", async ({
    cli: { fake, box },
  }) => {
    for (let i = 0; i < 10; i++) fake.reply({ kind: "status", status: 500, retryAfter: "0", message: "boom" });
    const failed = await box.run(["run", "-p", "first try"]);
    expect(oneLineError(failed)).toMatch(/^error: .*500/);
    expect(fake.requests.length).toBeGreaterThan(1);
    expect(fake.requests.length).toBeLessThan(10);

    fake.script.length = 0;
    fake.requests.length = 0;
    const next = await box.run(["run", "-p", "second try", "--continue"]);
    expect(next.stderr).toBe("");
    expect(next.code).toBe(0);
    expect(next.stdout).toBe("echo: second try\n");
    expect(userTexts(fake.requests[0])).toEqual(["first try", "second try"]);
  });

  it("a 400 is not retried, fails with one line, and the next run works", async ({ cli: { fake, box } }) => {
    fake.reply({ kind: "status", status: 400, message: "unsupported parameter" });
    const failed = await box.run(["run", "-p", "hi", "--json"]);
    expect(oneLineError(failed)).toMatch(/^error: .*400.*unsupported parameter/);
    expect(fake.requests).toHaveLength(1);
    const last = failed.stdout.trim().split("\n").at(-1) ?? "";
    expect(JSON.parse(last)).toMatchObject({ type: "error", code: "MODEL_HTTP" });

    const next = await box.run(["run", "-p", "hello again"]);
    expect(next.code).toBe(0);
    expect(next.stdout).toBe("echo: hello again\n");
  });
});

describe.concurrent("crash consistency", () => {
  it("a run killed mid-answer leaves a usable, intact database", async ({ cli: { fake, box } }) => {
    fake.reply({ kind: "hang" });
    const running = box.spawn(["run", "-p", "first prompt before the crash"]);
    await waitFor(() => fake.requests.length === 1, "the fake to receive the request");
    expect(running.child.kill("SIGKILL")).toBe(true);
    const killed = await running.done;
    expect(killed.signal).toBe("SIGKILL");

    const again = await box.run(["run", "-p", "again", "--continue", "--json"]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    const done = parseJsonLines(again.stdout).at(-1);
    expect(done).toMatchObject({ type: "done", text: "echo: again" });
    expect(userTexts(fake.requests[1])).toEqual(["first prompt before the crash", "again"]);

    const shown = await box.run(["sessions", "show", "--json", String(done?.session_id)]);
    expect(shown.code, shown.stderr).toBe(0);
    const messages = parseJson<ShowJson>(shown).messages;
    expect(messages.map((message) => [message.kind, message.content])).toEqual([
      ["user", "first prompt before the crash"],
      ["user", "again"],
      ["assistant", "echo: again"],
    ]);

    const store = openStore(box.db);
    try {
      expect(store.db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(store.db.pragma("foreign_key_check")).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
