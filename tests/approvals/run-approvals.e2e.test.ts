import { afterEach, describe, expect, it } from "vitest";
import { runCli, Sandbox } from "../crash/child-gateway.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { DocsFolder } from "../mcp/mcp-world.js";
import { cliEnv, NOTE, noteText, scriptWriter } from "./approval-world.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const sandbox = new Sandbox();
  const docs = new DocsFolder();
  const model = await new FakeOpenAi().start();
  cleanups.push(
    () => sandbox.cleanup(),
    () => docs.cleanup(),
    () => model.stop(),
  );
  scriptWriter(model, docs.dir);
  return { docs, env: await cliEnv(sandbox, docs, model) };
}

describe("tool approvals in gateway run -p", () => {
  it("denies by default with a line saying so, and records the denial in the session", async () => {
    const { docs, env } = await setup();
    const run = await runCli(["run", "-p", "write the note"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("denied: files.write_file needs approval, and run -p denies such calls");
    expect(run.stdout).toContain("Not done: ");
    expect(noteText(docs)).toBeUndefined();
    const list = await runCli(["sessions", "list", "--json"], env);
    const [session] = JSON.parse(list.stdout) as { id: string }[];
    const shown = await runCli(["sessions", "show", session?.id ?? "", "--json"], env);
    expect(JSON.parse(shown.stdout).approvals).toMatchObject([
      { tool: "files.write_file", state: "denied", decided_by: "cli", reason: "--deny-all" },
    ]);
  }, 120_000);

  it("--approve runs the call once; --approve with --deny-all is refused", async () => {
    const { docs, env } = await setup();
    const run = await runCli(["run", "-p", "write the note", "--approve"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Done: the note is written.");
    expect(run.stderr).not.toContain("denied");
    expect(noteText(docs)).toBe(NOTE.content);
    const both = await runCli(["run", "-p", "x", "--approve", "--deny-all"], env);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain("use only one of --approve and --deny-all");
  }, 120_000);
});
