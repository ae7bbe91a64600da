import { afterEach, describe, expect, it } from "vitest";
import { runCli, Sandbox } from "../crash/child-gateway.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { DocsFolder } from "../mcp/mcp-world.js";
import { cliEnv, noteText, scriptWriter, toolAnswer } from "./approval-world.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("tool approvals in unattended runs", () => {
  it("a trigger with approvals: deny (the default) finishes, with the denial in its run history and the session", async () => {
    const sandbox = new Sandbox();
    const docs = new DocsFolder();
    const model = await new FakeOpenAi().start();
    cleanups.push(
      () => sandbox.cleanup(),
      () => docs.cleanup(),
      () => model.stop(),
    );
    scriptWriter(model, docs.dir);
    const env = await cliEnv(sandbox, docs, model, [
      "triggers:",
      '  - { name: nightly, prompt: "write the note", schedule: { cron: "0 3 * * *" } }',
    ]);
    const run = await runCli(["triggers", "run", "nightly"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Not done: ");
    expect(toolAnswer(model.requests.at(-1))).toMatch(/^error: denied: .*approvals: deny/);
    expect(noteText(docs)).toBeUndefined();

    const history = await runCli(["triggers", "history", "nightly", "--json"], env);
    const [entry] = JSON.parse(history.stdout) as {
      status: string;
      session_id: string;
      approvals: Record<string, unknown>[];
    }[];
    expect(entry).toMatchObject({
      status: "completed",
      approvals: [
        {
          tool: "files.write_file",
          state: "denied",
          decided_by: "trigger:nightly",
          reason: "approvals: deny",
          ran_at: null,
        },
      ],
    });
    const table = await runCli(["triggers", "history", "nightly"], env);
    expect(table.stdout).toContain("files.write_file (approvals: deny)");

    const shown = await runCli(["sessions", "show", entry?.session_id ?? ""], env);
    expect(shown.stdout).toMatch(
      /approval \d+ of files\.write_file, asked .*: denied by trigger:nightly \(approvals: deny\)/,
    );
  }, 120_000);
});
