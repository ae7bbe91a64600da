import { afterEach, describe, expect, it } from "vitest";
import type { sessionJson } from "../../src/cli/output.js";
import { PATIENCE_MS } from "../support/wait.js";
import { freePort, gatewayEnv, runCli, sleep, waitFor } from "./child-gateway.js";
import { answersOf, CrashWorld, readDb } from "./crash-world.js";

type SessionJson = ReturnType<typeof sessionJson>;

let world: CrashWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("several processes on one database", () => {
  it("runs `gateway start` and `gateway run -p` at the same time; the gateway never claims the CLI's turn", async () => {
    const w = await CrashWorld.create({ pieceDelayMs: 5 });
    world = w;
    // Each model request waits until the other process's request is in too: both turns run together.
    let overlapped = false;
    let meet!: () => void;
    const met = new Promise<void>((resolve) => {
      meet = resolve;
    });
    w.model.beforeReply = async () => {
      if (w.model.active.size >= 2) {
        overlapped = true;
        meet();
      }
      await Promise.race([met, sleep(PATIENCE_MS)]);
    };
    const env = gatewayEnv({
      db: w.sandbox.db,
      home: w.sandbox.dir,
      modelUrl: w.model.url,
      platformUrl: w.platform.url,
    });
    const life = await w.start();
    const message = w.message("M", 1);
    expect(await life.post(message)).toMatchObject({ kind: "accepted" });
    const cli = runCli(["run", "-p", "hello from the cli"], env);
    const result = await cli;
    expect(overlapped, "the gateway's and the CLI's model requests overlapped").toBe(true);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("echo: hello from the cli");
    await waitFor(
      () => (answersOf(w.platform, [message]).get(message.text)?.length ?? 0) > 0,
      () => `the gateway's answer\n${w.logs()}`,
    );
    // Let the gateway poll a few more times while the CLI's finished turn sits in the database.
    await sleep(700);
    expect(await life.stop()).toEqual({ code: 0, signal: null });

    const why = `${JSON.stringify(w.platform.calls, null, 1)}\n${w.logs()}`;
    expect(answersOf(w.platform, [message]).get(message.text), why).toHaveLength(1);
    expect(
      w.platform.calls.some((call) => call.text?.includes("hello from the cli")),
      why,
    ).toBe(false);
    // The CLI's prompt reached the model exactly once: nobody ran its turn a second time.
    const cliRequests = w.model.requests.filter((body) =>
      body.messages.some((m) => m.role === "user" && m.content === "hello from the cli"),
    );
    expect(cliRequests, why).toHaveLength(1);

    const listed = await runCli(["sessions", "list", "--json"], env);
    expect(listed.code, listed.stderr).toBe(0);
    const sessions = JSON.parse(listed.stdout) as SessionJson[];
    expect(sessions.map((session) => session.channel).sort(), listed.stdout).toEqual(["cli", "loopback"]);
    const cliSession = sessions.find((session) => session.channel === "cli");
    expect(cliSession).toMatchObject({ origin: "cli", title: "hello from the cli" });

    const db = await readDb(w.sandbox.db);
    expect(
      db.turns.map((turn) => [turn.state, turn.attempts]),
      why,
    ).toEqual([
      ["completed", 1],
      ["completed", 1],
    ]);
    expect(db.inbound, why).toEqual([{ text: message.text, state: "answered" }]);
    expect(db.unfinishedOutbox, why).toEqual([]);
  });
});

describe("one `gateway start` per SQLite file", () => {
  it("refuses a second start naming the file and PostgreSQL, keeps the CLI working, and frees the file on kill -9", async () => {
    const w = await CrashWorld.create();
    world = w;
    const first = await w.start();
    const env = gatewayEnv({
      db: w.sandbox.db,
      home: w.sandbox.dir,
      modelUrl: w.model.url,
      platformUrl: w.platform.url,
    });
    // Without the lock a second gateway would start and serve: the bounded wait then fails the test.
    const second = await runCli(["start"], { ...env, PORT: String(await freePort()) }, 30_000);
    expect(second.code, second.stderr).not.toBe(0);
    const lines = second.stderr.trim().split("\n");
    expect(lines, second.stderr).toHaveLength(1);
    expect(lines[0]).toContain(w.sandbox.db);
    expect(lines[0]).toContain("PostgreSQL");
    expect(first.hasExited, w.logs()).toBe(false);

    // The CLI shares the file with the running gateway as before.
    const message = w.message("M", 1);
    expect(await first.post(message)).toMatchObject({ kind: "accepted" });
    const run = await runCli(["run", "-p", "beside the gateway"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("echo: beside the gateway");
    const listed = await runCli(["sessions", "list", "--json"], env);
    expect(listed.code, listed.stderr).toBe(0);

    // kill -9 leaves no stale lock: the next start serves and answers.
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const next = await w.start();
    const after = w.message("M", 2);
    expect(await next.post(after)).toMatchObject({ kind: "accepted" });
    await waitFor(
      () => (answersOf(w.platform, [after]).get(after.text)?.length ?? 0) > 0,
      () => `the answer after kill -9\n${w.logs()}`,
    );
    // A clean stop frees it too.
    expect(await next.stop()).toEqual({ code: 0, signal: null });
    const last = await w.start();
    expect(await last.stop()).toEqual({ code: 0, signal: null });
  });
});
