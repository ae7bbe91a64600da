import { describe, expect } from "vitest";
import type { FakeOpenAi } from "../fakes/fake-openai.js";
import {
  type CliResult,
  type CliSandbox,
  type HitJson,
  cliTest as it,
  lines,
  parseJson,
  parseJsonLines,
  type SessionJson,
  type ShowJson,
} from "./run-cli.js";

async function ok(box: CliSandbox, args: string[]): Promise<CliResult> {
  const result = await box.run(args);
  expect(result.stderr, `gateway ${args.join(" ")}`).toBe("");
  expect(result.code, `gateway ${args.join(" ")}`).toBe(0);
  return result;
}

/** Runs one prompt in a new session and returns the session's id. */
async function newSession(fake: FakeOpenAi, box: CliSandbox, prompt: string, answer: string): Promise<string> {
  fake.reply({ kind: "text", text: answer });
  const done = parseJsonLines((await ok(box, ["run", "-p", prompt, "--json"])).stdout).at(-1);
  expect(done?.type).toBe("done");
  return String(done?.session_id);
}

async function list(box: CliSandbox, ...flags: string[]): Promise<SessionJson[]> {
  return parseJson<SessionJson[]>(await ok(box, ["sessions", "list", "--json", ...flags]));
}

const ids = (sessions: SessionJson[]) => sessions.map((session) => session.id);

// Each test spawns several CLI processes, all four at once: generous on a busy 2-core machine.
describe.concurrent("gateway sessions", () => {
  it("list says so when there are no sessions", async ({ cli: { box } }) => {
    await ok(box, ["migrate"]);
    const [text, archived, json] = await Promise.all([
      ok(box, ["sessions", "list"]),
      ok(box, ["sessions", "list", "--archived"]),
      list(box, "--all"),
    ]);
    expect(text.stdout).toBe("no sessions\n");
    expect(archived.stdout).toBe("no archived sessions\n");
    expect(json).toEqual([]);
  });

  it("show, list and search read what run stored", async ({ cli: { fake, box } }) => {
    const zebra = await newSession(fake, box, "What do zebras eat?", "Zebras mostly eat grass.");
    const giraffe = await newSession(fake, box, "Tell me about giraffes", "Giraffes are tall.");
    const [showText, showJson, listJson, listText, stripes, giraffes, nothing] = await Promise.all([
      ok(box, ["sessions", "show", zebra]),
      ok(box, ["sessions", "show", zebra, "--json"]),
      list(box),
      ok(box, ["sessions", "list"]),
      ok(box, ["sessions", "search", "grass", "--json"]),
      ok(box, ["sessions", "search", "giraffes"]),
      ok(box, ["sessions", "search", "platypus"]),
    ]);

    expect(showText.stdout).toContain(`${zebra}  What do zebras eat?`);
    expect(showText.stdout).toContain("channel cli");
    expect(showText.stdout).toContain("expert default");
    expect(showText.stdout).toContain("tokens 12 in / 7 out");
    expect(showText.stdout).toContain("> What do zebras eat?");
    expect(showText.stdout).toContain("Zebras mostly eat grass.");

    const shown = parseJson<ShowJson>(showJson);
    expect(shown).toMatchObject({ id: zebra, channel: "cli", origin: "cli", title: "What do zebras eat?" });
    expect(shown.usage).toEqual({ prompt_tokens: 12, completion_tokens: 7, estimated: false });
    expect(shown.messages.map((message) => [message.kind, message.content])).toEqual([
      ["user", "What do zebras eat?"],
      ["assistant", "Zebras mostly eat grass."],
    ]);
    expect(shown.messages[0]?.turn_id).toBe(shown.messages[1]?.turn_id);
    expect(shown.messages[1]?.expert).toBe("default");

    expect(ids(listJson)).toEqual([giraffe, zebra]);
    const table = lines(listText.stdout);
    expect(table[0]).toMatch(/^ID\s+STATE\s+CHANNEL\s+EXPERT\s+UPDATED\s+TITLE$/);
    expect(table[1]).toMatch(new RegExp(`^${giraffe}\\s+active\\s+cli\\s+default\\s+.*Tell me about giraffes$`));
    expect(table[2]).toContain(zebra);

    const hits = parseJson<HitJson[]>(stripes);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ id: zebra, kind: "assistant", channel: "cli" });
    expect(hits[0]?.snippet).toContain("grass");
    expect(typeof hits[0]?.message_id).toBe("number");
    expect(giraffes.stdout).toContain(giraffe);
    expect(giraffes.stdout).toContain("Tell me about giraffes");
    expect(giraffes.stdout).not.toContain(zebra);
    expect(nothing.stdout).toBe('nothing found for "platypus"\n');
  });

  it("rename, archive, unarchive and delete", async ({ cli: { fake, box } }) => {
    const kept = await newSession(fake, box, "kept prompt", "kept answer");
    const id = await newSession(fake, box, "Tell me about okapis", "Okapis live in forests.");

    expect((await ok(box, ["sessions", "rename", id.slice(0, -1), "Okapi notes"])).stdout).toBe(
      `renamed ${id}: Okapi notes\n`,
    );
    expect((await ok(box, ["sessions", "archive", id])).stdout).toBe(`archived ${id}\n`);
    const [active, archived, all, search] = await Promise.all([
      list(box),
      list(box, "--archived"),
      list(box, "--all"),
      ok(box, ["sessions", "search", "okapis", "--json"]),
    ]);
    expect(ids(active)).toEqual([kept]);
    expect(ids(archived)).toEqual([id]);
    expect(archived[0]).toMatchObject({ state: "archived", title: "Okapi notes" });
    expect(archived[0]?.archived_at).not.toBeNull();
    expect(ids(all).sort()).toEqual([kept, id].sort());
    expect(parseJson<HitJson[]>(search).map((hit) => [hit.id, hit.state])).toEqual([[id, "archived"]]);

    expect((await ok(box, ["sessions", "unarchive", id])).stdout).toBe(`unarchived ${id}\n`);
    const back = (await list(box)).find((session) => session.id === id);
    expect(back).toMatchObject({ state: "active", archived_at: null, title: "Okapi notes" });

    expect((await ok(box, ["sessions", "delete", id])).stdout).toBe(`deleted ${id}\n`);
    const [remaining, searchAfter, gone] = await Promise.all([
      list(box, "--all"),
      ok(box, ["sessions", "search", "okapis", "--json"]),
      box.run(["sessions", "show", id]),
    ]);
    expect(ids(remaining)).toEqual([kept]);
    expect(parseJson<HitJson[]>(searchAfter)).toEqual([]);
    expect(gone.code).toBe(1);
    expect(lines(gone.stderr)).toEqual([`error: no session "${id}"`]);
  });

  it("unknown ids and flag conflicts fail with one line and no stack trace", async ({ cli: { box } }) => {
    await ok(box, ["migrate"]);
    const commands = [
      ["sessions", "show", "s_nope00"],
      ["sessions", "rename", "s_nope00", "x"],
      ["sessions", "archive", "s_nope00"],
      ["sessions", "delete", "s_nope00"],
      ["sessions", "list", "--archived", "--all"],
    ];
    const results = await Promise.all(commands.map((args) => box.run(args)));
    for (const [index, result] of results.entries()) {
      const what = commands[index]?.join(" ");
      expect(result.code, what).toBe(1);
      expect(lines(result.stderr), what).toHaveLength(1);
      expect(result.stderr, what).toMatch(/^error: /);
      expect(result.stderr, what).not.toContain("    at ");
    }
    expect(results[0]?.stderr).toBe('error: no session "s_nope00"\n');
  });
});
