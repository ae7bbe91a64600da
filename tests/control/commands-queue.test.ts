import { describe, expect, it } from "vitest";
import { queuedNotices } from "../../src/gateway/intake.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { analyst, controlWorlds } from "./control-world.js";

const world = controlWorlds();

describe("Expert, queue and mode commands", () => {
  it("/expert lists the Experts; /expert NAME switches the next turn; an unknown name lists the known", async () => {
    const w = await world({ experts: [analyst] });
    const session = await w.message("e", "hello");
    await w.waitSettled(session);

    const list = (await w.command("e", "/expert")).split("\n");
    expect(list).toEqual([
      "Experts (/expert NAME switches):",
      "default (current) — A general assistant.",
      "analyst — Reads the numbers.",
    ]);
    expect(await w.command("e", "/expert nobody")).toBe('No Expert "nobody". Known: default, analyst.');
    expect(await w.command("e", "/expert analyst")).toBe(`Expert analyst answers from now on in ${session}.`);
    expect((await w.current("e"))?.expert).toBe("analyst");

    expect(await w.message("e", "and the numbers?")).toBe(session);
    await w.waitSettled(session);
    const [before, after] = w.turns(session);
    expect([before?.expert, before?.model]).toEqual(["default", "fake-model"]);
    expect([after?.expert, after?.model]).toEqual(["analyst", "analyst-model"]);
    expect(w.h.fake.requests.at(-1)?.model).toBe("analyst-model");
    const stored = w.h.store.db
      .prepare("SELECT kind, expert FROM messages WHERE turn_id = ? ORDER BY id")
      .all(after?.id) as { kind: string; expert: string }[];
    expect(stored).toEqual([
      { kind: "user", expert: "analyst" },
      { kind: "assistant", expert: "analyst" },
    ]);
  });

  it("/queue numbers the waiting messages; /drop N removes one, which is never answered", async () => {
    const w = await world({ mode: "collect" });
    expect(await w.command("q", "/queue")).toBe("Nothing is waiting.");
    const gate = w.hold(1);
    const session = await w.message("q", "running one");
    await w.waitForRequests(1);
    for (const text of ["keep me", "drop me", "keep me too"]) await w.message("q", text);

    expect(await w.command("q", "/queue")).toBe(
      ["Waiting (/drop N removes one):", "1. keep me", "2. drop me", "3. keep me too"].join("\n"),
    );
    expect(await w.command("q", "/drop 2")).toBe("Dropped 2: drop me");
    expect(await w.command("q", "/drop 9")).toBe("There is no message 9 waiting; see /queue.");
    expect(await w.command("q", "/drop x")).toBe("Usage: /drop N (see /queue)");
    expect(await w.command("q", "/queue")).toBe(
      ["Waiting (/drop N removes one):", "1. keep me", "2. keep me too"].join("\n"),
    );
    gate.open();
    const rows = await w.waitSettled(session);

    expect(rows.map((row) => [row.text, row.state])).toEqual([
      ["running one", "answered"],
      ["keep me", "answered"],
      ["drop me", "dropped"],
      ["keep me too", "answered"],
    ]);
    expect(w.h.fake.requests).toHaveLength(2);
    expect(w.h.fake.requests.flatMap(userTexts)).not.toContain("drop me");
    expect(await w.answerRows(session)).toEqual(["echo: running one", "echo: keep me too"]);
    expect(await w.command("q", "/queue")).toBe("Nothing is waiting.");
  });

  it("/mode MODE is stored on the session and used; /mode shows it; a bad mode is refused", async () => {
    const w = await world({ mode: "collect" });
    const session = await w.message("m", "hi");
    await w.waitSettled(session);
    expect(await w.command("m", "/mode")).toMatch(/^Mode: collect — /);

    expect(await w.command("m", "/mode steer")).toMatch(/^Mode steer: /);
    const stored = w.h.store.db.prepare("SELECT mode FROM sessions WHERE id = ?").get(session) as { mode: string };
    expect(stored.mode).toBe("steer");
    const shown = (await w.command("m", "/mode")).split("\n");
    expect(shown[0]).toMatch(/^Mode: steer — /);
    expect(shown.slice(1).map((line) => line.split(" — ")[0])).toEqual([
      "/mode collect",
      "/mode followup",
      "/mode steer",
      "/mode interrupt",
    ]);

    expect(await w.command("m", "/mode sideways")).toBe(
      'Unknown mode "sideways". Use one of: collect, followup, steer, interrupt.',
    );
    expect((await w.h.store.sessions.get(session))?.mode).toBe("steer");

    // The stored mode is the one in force: a message waiting behind a turn gets steer's notice.
    const gate = w.hold(2);
    await w.message("m", "next");
    await w.waitForRequests(2);
    await w.message("m", "more");
    await w.channel.waitFor((sends) => sends.some((send) => send.text === queuedNotices.steer));
    gate.open();
    await w.waitSettled(session);
  });

  it("/status shows session, Expert, model, mode, waiting count and tokens", async () => {
    const w = await world({ mode: "followup" });
    expect(await w.command("s", "/status")).toMatch(/^There is no session here yet/);
    const session = await w.message("s", "count my tokens");
    await w.waitSettled(session);
    await w.command("s", "/rename Tokens");
    const gate = w.hold(2);
    await w.message("s", "second");
    await w.waitForRequests(2);
    await w.message("s", "third");

    expect((await w.command("s", "/status")).split("\n")).toEqual([
      `Session ${session} "Tokens" · active`,
      "Expert default · model fake-model · mode followup",
      "Answering now · 1 waiting",
      "Tokens: 12 in, 7 out",
    ]);
    gate.open();
    await w.waitSettled(session);
    expect((await w.command("s", "/status")).split("\n").slice(2)).toEqual([
      "Idle · 0 waiting",
      "Tokens: 36 in, 21 out",
    ]);
  });
});

describe("commands beside turns", () => {
  it("are answered at once while a turn is held indefinitely", async () => {
    const w = await world();
    const gate = w.hold(1);
    const session = await w.message("b", "think forever");
    await w.waitForRequests(1);
    await w.message("b", "waiting");
    for (const command of ["/status", "/queue"]) {
      const started = Date.now();
      const reply = await w.command("b", command);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(reply).toMatch(command === "/status" ? /Answering now · 1 waiting/ : /^Waiting .*\n1\. waiting$/);
      expect(await w.h.store.queue.isRunning(session)).toBe(true);
    }
    expect(w.turns(session).map((turn) => turn.state)).toEqual(["running"]);
    gate.open();
  });

  it("are deduplicated: the same delivery twice runs /new once", async () => {
    const w = await world();
    const first = await w.say("d", "/new", { id: "same" });
    const again = await w.say("d", "/new", { id: "same" });
    expect(first.result).toEqual({ status: "command" });
    expect(again.result).toEqual({ status: "duplicate" });
    await w.outboxDrained();
    expect(await w.sessions("d")).toHaveLength(1);
    expect(w.texts().filter((text) => text.startsWith("Started a new session"))).toHaveLength(1);
  });
});
