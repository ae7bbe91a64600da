import { existsSync, readdirSync } from "node:fs";
import { describe, expect } from "vitest";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import {
  type CliResult,
  type CliSandbox,
  cliTest as it,
  lines,
  parseJson,
  parseJsonLines,
  type SessionJson,
  uniquePrefix,
} from "./run-cli.js";

/** The messages of a recorded request as "role: text" strings (system instructions dropped). */
function conversation(request: ChatRequestBody | undefined): string[] {
  if (!request) throw new Error("the fake received no such request");
  return request.messages
    .filter((message) => message.role !== "system")
    .map((message) => `${message.role}: ${typeof message.content === "string" ? message.content : "?"}`);
}

async function listSessions(box: CliSandbox): Promise<SessionJson[]> {
  const result = await box.run(["sessions", "list", "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return parseJson<SessionJson[]>(result);
}

function expectSuccess(result: CliResult): void {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
}

function expectOneLineError(result: CliResult): string {
  expect(result.code, "killed instead of exiting").not.toBeNull();
  expect(result.code).not.toBe(0);
  const errorLines = lines(result.stderr);
  expect(errorLines, result.stderr).toHaveLength(1);
  expect(result.stderr).not.toContain("    at ");
  return errorLines[0] ?? "";
}

describe.concurrent("gateway run", () => {
  it("streams the answer, exits 0 and stores one CLI session", async ({ cli: { fake, box } }) => {
    fake.reply({ kind: "text", text: "Hello from the fake model" });
    const result = await box.run(["run", "-p", "hi"]);
    expectSuccess(result);
    expect(result.stdout).toBe("Hello from the fake model\n");
    expect(fake.requests).toHaveLength(1);
    expect(conversation(fake.requests[0])).toEqual(["user: hi"]);
    expect(fake.requests[0]).toMatchObject({ model: "fake-model", stream: true });

    const sessions = await listSessions(box);
    expect(sessions).toHaveLength(1);
    const [session] = sessions;
    expect(Object.keys(session ?? {})).toEqual(
      expect.arrayContaining([
        "id",
        "title",
        "channel",
        "conversation_key",
        "expert",
        "state",
        "origin",
        "created_at",
        "updated_at",
        "archived_at",
      ]),
    );
    expect(session).toMatchObject({ channel: "cli", origin: "cli", expert: "default", state: "active", title: "hi" });
    expect(session?.id).toMatch(/^s_[0-9a-z]+$/);
    expect(session?.archived_at).toBeNull();
    expect(session?.conversation_key).toBe(`cli:${session?.id}`);
    expect(Number.isNaN(Date.parse(session?.created_at ?? ""))).toBe(false);
    expect(Number.isNaN(Date.parse(session?.updated_at ?? ""))).toBe(false);
  });

  it("--continue sends the earlier turns back; --json prints one object per line ending with done", async ({
    cli: { fake, box },
  }) => {
    fake.reply(
      { kind: "text", text: "first answer" },
      { kind: "text", text: "abcdefghij", pieces: ["abc", "def", "ghij"] },
    );
    expectSuccess(await box.run(["run", "-p", "first prompt"]));
    const result = await box.run(["run", "-p", "second prompt", "--continue", "--json"]);
    expectSuccess(result);
    expect(conversation(fake.requests[1])).toEqual([
      "user: first prompt",
      "assistant: first answer",
      "user: second prompt",
    ]);

    const events = parseJsonLines(result.stdout);
    expect(events.filter((event) => event.type === "text").map((event) => event.delta)).toEqual(["abc", "def", "ghij"]);
    expect(events).toContainEqual({ type: "usage", prompt_tokens: 12, completion_tokens: 7, estimated: false });
    expect(events.filter((event) => event.type === "done")).toHaveLength(1);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: "done", text: "abcdefghij" });
    expect(typeof done?.turn_id).toBe("number");

    const sessions = await listSessions(box);
    expect(sessions.map((session) => session.id)).toEqual([done?.session_id]);
  });

  it("--session <unique prefix> continues that session, not the newest one", async ({ cli: { fake, box } }) => {
    fake.reply({ kind: "text", text: "answer one" }, { kind: "text", text: "answer two" });
    const first = parseJsonLines((await box.run(["run", "-p", "prompt one", "--json"])).stdout).at(-1);
    const second = parseJsonLines((await box.run(["run", "-p", "prompt two", "--json"])).stdout).at(-1);
    const firstId = String(first?.session_id);
    const secondId = String(second?.session_id);
    expect(firstId).toMatch(/^s_/);
    expect(secondId).toMatch(/^s_/);
    expect(secondId).not.toBe(firstId);
    const prefix = uniquePrefix(firstId, [firstId, secondId]);
    expect(prefix.length).toBeLessThan(firstId.length);

    const result = await box.run(["run", "-p", "prompt three", "--session", prefix, "--json"]);
    expectSuccess(result);
    expect(parseJsonLines(result.stdout).at(-1)).toMatchObject({ type: "done", session_id: firstId });
    expect(conversation(fake.requests[2])).toEqual(["user: prompt one", "assistant: answer one", "user: prompt three"]);
  });

  it("rejects conflicting or unusable session flags without calling the model", async ({ cli: { fake, box } }) => {
    const [conflict, nothing, unknown] = await Promise.all([
      box.run(["run", "-p", "hi", "--continue", "--no-session"]),
      box.run(["run", "-p", "hi", "--continue"]),
      box.run(["run", "-p", "hi", "--session", "s_zzzzzz"]),
    ]);
    expect(expectOneLineError(conflict)).toMatch(/^error: .*--continue.*--no-session/);
    expect(expectOneLineError(nothing)).toMatch(/^error: .*no CLI session/);
    expect(expectOneLineError(unknown)).toBe('error: no session "s_zzzzzz"');
    expect(fake.requests).toHaveLength(0);
  });

  it("--no-session answers but stores nothing", async ({ cli: { fake, box } }) => {
    const [plain, json] = await Promise.all([
      box.run(["run", "-p", "plain", "--no-session"]),
      box.run(["run", "-p", "json", "--no-session", "--json"]),
    ]);
    expectSuccess(plain);
    expect(plain.stdout).toBe("echo: plain\n");
    expectSuccess(json);
    expect(parseJsonLines(json.stdout).at(-1)).toMatchObject({ type: "done", session_id: null, text: "echo: json" });
    expect(fake.requests).toHaveLength(2);
    expect(existsSync(box.db)).toBe(false);
    expect(readdirSync(box.dir)).toEqual([]);
  });

  it("--expert nope names the known Experts in one line, without a stack trace", async ({ cli: { fake, box } }) => {
    const result = await box.run(["run", "-p", "hi", "--expert", "nope"]);
    const line = expectOneLineError(result);
    expect(line).toMatch(/^error: /);
    expect(line).toContain('"nope"');
    expect(line).toContain("known: default");
    expect(result.stdout).toBe("");
    expect(fake.requests).toHaveLength(0);
  });

  it("an empty prompt is a usage error", async ({ cli: { fake, box } }) => {
    expect(expectOneLineError(await box.run(["run", "-p", "   "]))).toMatch(/^error: .*empty/);
    expect(fake.requests).toHaveLength(0);
  });
});
