import { describe, expect, it } from "vitest";
import { commandNames } from "../../src/gateway/commands/command-parser.js";
import { lastUserText } from "../fakes/fake-openai.js";
import { analyst, controlWorlds } from "./control-world.js";

const world = controlWorlds();

describe("session commands", () => {
  it("/help lists every command", async () => {
    const w = await world();
    const help = await w.command("h", "/help");
    expect(help.split("\n")[0]).toBe("Commands:");
    const listed = help
      .split("\n")
      .map((line) => /^\/([a-z]+)/.exec(line)?.[1])
      .filter((name) => name !== undefined);
    expect(commandNames).toHaveLength(20);
    // Every one of the 20 commands has its own line, /help included.
    expect([...listed].sort()).toEqual([...commandNames].sort());
  });

  it("/start is an alias of /help and never reaches the model", async () => {
    const w = await world();
    const help = await w.command("h", "/help");
    expect(help).toMatch(/^\/new \[EXPERT\] — start a fresh session$/m);
    expect(await w.command("h", "/start")).toBe(help);
    expect(await w.command("h", "/HELP")).toBe(help);
    expect(w.h.fake.requests).toHaveLength(0);
  });

  it("/new starts a fresh current session; the old one becomes inactive; /new NAME picks the Expert", async () => {
    const w = await world({ experts: [analyst] });
    const first = await w.message("n", "hello");
    await w.waitSettled(first);

    const reply = await w.command("n", "/new");
    const second = await w.current("n");
    expect(second?.id).not.toBe(first);
    expect(reply).toBe(`Started a new session ${second?.id} with Expert default. Earlier ones: /sessions.`);
    expect((await w.h.store.sessions.get(first))?.state).toBe("inactive");
    expect(second?.state).toBe("active");

    expect(await w.command("n", "/new analyst")).toMatch(/with Expert analyst\./);
    const third = await w.current("n");
    expect(third?.expert).toBe("analyst");
    expect((await w.h.store.sessions.get(second?.id ?? ""))?.state).toBe("inactive");

    // The next message goes to the new session and is answered by its Expert's model.
    expect(await w.message("n", "numbers please")).toBe(third?.id);
    await w.waitSettled(third?.id ?? "");
    expect(w.h.fake.requests.at(-1)?.model).toBe("analyst-model");
    expect(w.h.fake.requests.at(-1)?.messages.filter((m) => m.role === "user")).toHaveLength(1);
  });

  it("/sessions lists this conversation's sessions newest first, with ids, marking the current one", async () => {
    const w = await world({ experts: [analyst] });
    const a = await w.message("l", "about apples");
    await w.waitSettled(a);
    await w.command("l", "/new");
    const b = (await w.current("l"))?.id ?? "";
    await w.command("l", "/rename Bananas");
    await w.command("l", "/new analyst");
    const c = (await w.current("l"))?.id ?? "";
    await w.message("z", "another conversation");

    const lines = (await w.command("l", "/sessions")).split("\n");
    expect(lines[0]).toBe("Sessions here, newest first (/resume ID):");
    expect(lines.slice(1).map((line) => line.split(" · ")[0])).toEqual([c, b, a]);
    expect(lines[1]).toBe(`${c} · (untitled) · analyst · active · current`);
    expect(lines[2]).toBe(`${b} · Bananas · default · inactive`);
    expect(lines[3]).toBe(`${a} · about apples · default · inactive`);
  });

  it("/resume ID (or a prefix) switches the current session; another conversation's id is refused", async () => {
    const w = await world();
    const a = await w.message("r", "first");
    await w.waitSettled(a);
    await w.command("r", "/new");
    const elsewhere = await w.message("other", "not yours");

    expect(await w.command("r", `/resume ${a.slice(0, 6)}`)).toBe(`Resumed ${a} (first) with Expert default.`);
    expect((await w.current("r"))?.id).toBe(a);
    expect(await w.message("r", "back again")).toBe(a);

    expect(await w.command("r", `/resume ${elsewhere}`)).toBe(`No session "${elsewhere}" here.`);
    expect(await w.command("r", "/resume s_nothing")).toBe('No session "s_nothing" here.');
    expect(await w.command("r", "/resume")).toMatch(/^Usage: \/resume ID/);
    expect((await w.current("r"))?.id).toBe(a);
    expect((await w.current("other"))?.id).toBe(elsewhere);
  });

  it("/rename TITLE names the current session", async () => {
    const w = await world();
    const session = await w.message("t", "some question");
    expect(await w.command("t", "/rename Quarterly numbers")).toBe(`Renamed ${session} to "Quarterly numbers".`);
    expect((await w.h.store.sessions.get(session))?.title).toBe("Quarterly numbers");
    expect(await w.command("t", "/rename")).toBe("Usage: /rename TITLE");
    expect(await w.command("empty", "/rename x")).toMatch(/^There is no session here yet/);
  });

  it("/archive closes the session; the next message reopens the same one", async () => {
    const w = await world();
    const session = await w.message("a", "keep this");
    await w.waitSettled(session);
    expect(await w.command("a", "/archive")).toMatch(new RegExp(`^Archived ${session}\\.`));
    expect((await w.h.store.sessions.get(session))?.state).toBe("archived");

    expect(await w.message("a", "and now?")).toBe(session);
    await w.waitSettled(session);
    const reopened = await w.h.store.sessions.get(session);
    expect(reopened?.state).toBe("active");
    expect(reopened?.archivedAt).toBeNull();
    expect(await w.sessions("a")).toHaveLength(1);
    // The reopened session keeps its history.
    expect(
      w.h.fake.requests
        .at(-1)
        ?.messages.filter((m) => m.role === "user")
        .map((m) => m.content),
    ).toEqual(["keep this", "and now?"]);
  });

  it("an unknown /foo is not a command: it goes to the model as text", async () => {
    const w = await world();
    const { result } = await w.say("u", "/foo bar");
    expect(result).toMatchObject({ status: "accepted" });
    await w.channel.waitFor((sends) => sends.some((send) => send.text === "echo: /foo bar"));
    expect(lastUserText(w.h.fake.requests[0] ?? { model: "", messages: [] })).toBe("/foo bar");
  });
});
