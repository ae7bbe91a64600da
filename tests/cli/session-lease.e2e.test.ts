import { describe, expect } from "vitest";
import { CLI_PATH, gatewayEnv, runCli } from "../crash/child-gateway.js";
import { CrashWorld } from "../crash/crash-world.js";
import { startChild } from "../support/child-processes.js";
import { cliTest as it, lines, parseJson, type RunningCli, type ShowJson, waitFor } from "./run-cli.js";

/**
 * Issue 15: four concurrent `run --continue` on one session stored `user user user user
 * assistant …`; a `run --session` ran beside the gateway's turn. The CLI takes the same
 * per-session lease as the gateway: one turn at a time, whoever starts it.
 */
function kinds(show: ShowJson): string[] {
  return show.messages.map((message) => message.kind).filter((kind) => kind === "user" || kind === "assistant");
}

/** Holds every model reply until `release()`; records how many were ever answered at once. */
function holdModel(fake: { beforeReply: ((body: never) => Promise<void> | void) | undefined }) {
  let open = false;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let active = 0;
  let most = 0;
  fake.beforeReply = async () => {
    active++;
    most = Math.max(most, active);
    try {
      if (!open) await gate;
    } finally {
      active--;
    }
  };
  return {
    release: () => {
      open = true;
      release();
    },
    most: () => most,
  };
}

describe("one turn per session for the CLI", () => {
  it("four concurrent run --continue take turns: the waiting ones say so, and the transcript alternates", async ({
    cli: { fake, box },
  }) => {
    expect((await box.run(["run", "-p", "first"])).code).toBe(0);
    const hold = holdModel(fake);
    const runs: RunningCli[] = [1, 2, 3, 4].map((n) => box.spawn(["run", "--continue", "-p", `next ${n}`]));
    try {
      await waitFor(() => fake.requests.length === 2, "the first of the four to reach the model");
      await waitFor(
        () => runs.filter((run) => run.output().stderr.includes("waiting: session ")).length === 3,
        "the three others to say they wait",
      );
      expect(fake.requests).toHaveLength(2);
      hold.release();
      const results = await Promise.all(runs.map((run) => run.done));
      for (const result of results) expect(result.code, result.stderr).toBe(0);
    } finally {
      hold.release();
      for (const run of runs) run.child.kill("SIGKILL");
    }
    expect(hold.most()).toBe(1);
    const [session] = parseJson<{ id: string }[]>(await box.run(["sessions", "list", "--json"]));
    const show = parseJson<ShowJson>(await box.run(["sessions", "show", session?.id ?? "", "--json"]));
    expect(kinds(show)).toEqual(Array.from({ length: 5 }, () => ["user", "assistant"]).flat());
  });

  it("--no-wait fails with one clear line while another run holds the session; nothing is stored", async ({
    cli: { fake, box },
  }) => {
    expect((await box.run(["run", "-p", "first"])).code).toBe(0);
    const hold = holdModel(fake);
    const busy = box.spawn(["run", "--continue", "-p", "long one"]);
    try {
      await waitFor(() => fake.requests.length === 2, "the first run to reach the model");
      const refused = await box.run(["run", "--continue", "--no-wait", "-p", "impatient"]);
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr), refused.stderr).toHaveLength(1);
      expect(refused.stderr).toMatch(/^error: session s_\w+ is answering another turn \(turn \d+\)/);
      hold.release();
      expect((await busy.done).code).toBe(0);
    } finally {
      hold.release();
      busy.child.kill("SIGKILL");
    }
    const [session] = parseJson<{ id: string }[]>(await box.run(["sessions", "list", "--json"]));
    const show = parseJson<ShowJson>(await box.run(["sessions", "show", session?.id ?? "", "--json"]));
    expect(show.messages.map((message) => message.content)).not.toContain("impatient");
    expect(kinds(show)).toEqual(["user", "assistant", "user", "assistant"]);
  });

  it("a run killed mid-turn does not hold the session: the waiting run takes over at once", async ({
    cli: { fake, box },
  }) => {
    expect((await box.run(["run", "-p", "first"])).code).toBe(0);
    const hold = holdModel(fake);
    const doomed = box.spawn(["run", "--continue", "-p", "never answered"]);
    let next: RunningCli | undefined;
    try {
      await waitFor(() => fake.requests.length === 2, "the doomed run to reach the model");
      next = box.spawn(["run", "--continue", "-p", "after the crash"]);
      const waiting = next;
      await waitFor(() => waiting.output().stderr.includes("waiting: session "), "the next run to wait");
      doomed.child.kill("SIGKILL");
      await doomed.done;
      hold.release();
      const result = await waiting.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("echo: after the crash");
    } finally {
      hold.release();
      doomed.child.kill("SIGKILL");
      next?.child.kill("SIGKILL");
    }
  });
});

describe("the CLI beside a running gateway", () => {
  it("run --session waits while the gateway answers that session, then answers after it", async () => {
    const world = await CrashWorld.create();
    try {
      const life = await world.start();
      const hold = holdModel(world.model);
      const message = world.message("c1", 1);
      const posted = await life.post(message);
      if (posted.kind !== "accepted") throw new Error(`not accepted: ${JSON.stringify(posted)}`);
      await waitFor(() => world.model.requests.length === 1, "the gateway's turn to reach the model");
      const env = gatewayEnv({
        db: world.sandbox.db,
        home: world.sandbox.dir,
        modelUrl: world.model.url,
        platformUrl: world.platform.url,
      });
      const cli = startChild(
        process.execPath,
        [CLI_PATH, "run", "--session", posted.sessionId, "-p", "from the terminal"],
        { cwd: world.sandbox.dir, env },
      );
      try {
        await waitFor(() => cli.stderr.includes("waiting: session "), "the CLI to say it waits");
        expect(cli.stderr).toContain(`waiting: session ${posted.sessionId} is answering another turn`);
        // While it waits, the model has seen only the gateway's turn.
        expect(world.model.requests).toHaveLength(1);
        hold.release();
        expect((await cli.waitForExit("the CLI run")).code, cli.stderr).toBe(0);
      } finally {
        hold.release();
        await cli.dispose();
      }
      expect(hold.most()).toBe(1);
      const show = await runCli(["sessions", "show", posted.sessionId, "--json"], env);
      const stored = JSON.parse(show.stdout) as ShowJson;
      expect(kinds(stored)).toEqual(["user", "assistant", "user", "assistant"]);
      expect(stored.messages.filter((m) => m.kind === "user").map((m) => m.content)).toEqual([
        expect.stringContaining(message.text),
        "from the terminal",
      ]);
    } finally {
      await world.close();
    }
  });
});
