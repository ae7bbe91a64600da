import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { type CliResult, type CliSandbox, cliTest as it, parseJson, parseJsonLines } from "../cli/run-cli.js";
import { call, systemText } from "./memory-world.js";

const yaml = `
models:
  fake-model:
    context_tokens: 2500
    input_usd_per_million: 1000
    output_usd_per_million: 2000
compaction:
  reserve_tokens: 200
`;

function configure(box: CliSandbox): Record<string, string> {
  writeFileSync(join(box.dir, "gateway.yml"), yaml);
  return { GATEWAY_CONFIG: "gateway.yml" };
}

async function ok(box: CliSandbox, env: Record<string, string>, args: string[]): Promise<CliResult> {
  const result = await box.run(args, env);
  expect(result.stderr, `gateway ${args.join(" ")}`).toBe("");
  expect(result.code, `gateway ${args.join(" ")}`).toBe(0);
  return result;
}

async function run(box: CliSandbox, env: Record<string, string>, args: string[]): Promise<string> {
  const events = parseJsonLines((await ok(box, env, ["run", "--json", ...args])).stdout);
  expect(events.at(-1)?.type).toBe("done");
  return String(events.at(-1)?.session_id);
}

interface MemoryJson {
  id: string;
  type: string;
  scope: string;
  content: string;
  source_session_id: string;
}

describe("memories, compaction and usage from the CLI", () => {
  it("remembers across CLI sessions, lists and forgets memories, compacts, shows the summary and the bill", async ({
    cli: { fake, box },
  }) => {
    const env = configure(box);
    fake.reply(call("memory_save", { type: "project", content: "Deploys go out on Tuesdays." }), {
      kind: "text",
      text: "Noted.",
    });
    const first = await run(box, env, ["-p", "remember that our deploys go out on Tuesdays"]);
    const [memory, ...rest] = parseJson<MemoryJson[]>(await ok(box, env, ["memories", "list", "--json"]));
    expect(rest).toEqual([]);
    expect(memory).toMatchObject({
      type: "project",
      scope: "cli",
      content: "Deploys go out on Tuesdays.",
      source_session_id: first,
    });
    expect(parseJson(await ok(box, env, ["memories", "list", "--type", "user", "--json"]))).toEqual([]);

    const long = "the release train, the cache numbers and the invoice export ".repeat(25);
    const second = await run(box, env, ["-p", `when do we deploy? ${long}`]);
    expect(systemText(fake.requests.at(-1))).toContain(`${memory?.id} · project · Deploys go out on Tuesdays.`);
    await run(box, env, ["-p", `and the cache? ${long}`, "--continue"]);
    await run(box, env, ["-p", "thanks", "--continue"]);

    fake.reply({ kind: "text", text: "Summary: deploys on Tuesdays; they asked about the cache." });
    expect((await ok(box, env, ["sessions", "compact", second])).stdout).toMatch(
      new RegExp(`^compacted ${second}: summary \\d+; \\d+ of \\d+ history tokens now`),
    );
    const shown = (await ok(box, env, ["sessions", "show", second])).stdout;
    expect(shown).toContain("summary (compaction; stands for messages up to");
    expect(shown).toContain("Summary: deploys on Tuesdays; they asked about the cache.");
    expect(shown).toContain("when do we deploy?");
    const json = parseJson<{ summary: { content: string } | null; messages: unknown[] }>(
      await ok(box, env, ["sessions", "show", second, "--json"]),
    );
    expect(json.summary?.content).toBe("Summary: deploys on Tuesdays; they asked about the cache.");

    const byUser = parseJson<{ user: string; turns: number; cost_usd: number }[]>(
      await ok(box, env, ["usage", "--by", "user", "--json"]),
    );
    expect(byUser).toEqual([expect.objectContaining({ user: "cli:local", turns: 4, calls: 5 })]);
    // Fake usage: 10 in + 5 out per tool step, 12 in + 7 out per answer, and the summary call: all priced.
    expect(byUser[0]?.cost_usd).toBeCloseTo(((10 + 12 * 5) * 1000 + (5 + 7 * 5) * 2000) / 1e6, 6);
    const table = (await ok(box, env, ["usage", "--by", "expert", "--since", "2000-01-01"])).stdout;
    expect(table).toMatch(/^EXPERT\s+TURNS\s+PROMPT\s+COMPLETION\s+COST\ndefault\s+4\s/);
    expect(parseJson(await ok(box, env, ["usage", "--since", "2999-01-01", "--json"]))).toEqual([]);

    expect((await ok(box, env, ["memories", "forget", memory?.id ?? ""])).stdout).toBe(
      `forgot ${memory?.id} · project · Deploys go out on Tuesdays.\n`,
    );
    expect((await ok(box, env, ["memories", "list"])).stdout).toBe("no memories\n");
    const missing = await box.run(["memories", "forget", "m_nope"], env);
    expect([missing.code, missing.stderr]).toEqual([1, 'error: no memory "m_nope"\n']);
    const bad = await box.run(["usage", "--by", "planet"], env);
    expect([bad.code, bad.stderr]).toEqual([1, "error: --by must be one of session, user, expert, trigger\n"]);
  });
});
