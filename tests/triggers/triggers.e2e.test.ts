import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { type ChildGateway, freePort, gatewayEnv, runCli, waitFor } from "../crash/child-gateway.js";
import { CrashWorld, isAnswer } from "../crash/crash-world.js";

const SECRET = "e2e-hook-secret";

/** The YAML of these tests: a webhook trigger posting to the loopback conversation `ops`. */
function writeYaml(world: CrashWorld): string {
  const path = join(world.sandbox.dir, "gateway.yml");
  writeFileSync(
    path,
    [
      "triggers:",
      "  - name: deploy",
      '    prompt: "Deploy of {{payload.service}} failed"',
      "    webhook:",
      "      secret_env: DEPLOY_HOOK_SECRET",
      "    destination:",
      "      loopback:",
      "        conversation: ops",
      "  - name: slacky",
      "    prompt: hi",
      "    webhook: {secret_env: DEPLOY_HOOK_SECRET}",
      "    destination: {slack: {channel: C1}}",
      "",
    ].join("\n"),
  );
  return path;
}

let world: CrashWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(target: CrashWorld, crashAt?: "mid-stream"): Promise<ChildGateway> {
  const extra = { GATEWAY_CONFIG: writeYaml(target), DEPLOY_HOOK_SECRET: SECRET };
  return target.start({ extra, ...(crashAt ? { crashAt, mayDie: true } : {}) });
}

function hook(life: ChildGateway, body: object): Promise<Response> {
  return fetch(`${life.url}/hooks/deploy`, {
    method: "POST",
    headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function cliEnv(target: CrashWorld, life: { port: number }): Record<string, string> {
  const options = { db: target.sandbox.db, home: target.sandbox.dir, modelUrl: target.model.url };
  return gatewayEnv(
    {
      ...options,
      platformUrl: target.platform.url,
      extra: { GATEWAY_CONFIG: join(target.sandbox.dir, "gateway.yml"), DEPLOY_HOOK_SECRET: SECRET },
    },
    life.port,
  );
}

describe("triggers against a real gateway process", () => {
  it("a webhook posts the Expert's answer to the channel; the session is archived; a thread reply reopens it", async () => {
    world = await CrashWorld.create();
    const life = await start(world);
    const response = await hook(life, { service: "api" });
    expect(response.status).toBe(202);
    const { run_id: runId, session_id: sessionId } = (await response.json()) as { run_id: string; session_id: string };

    const posted = await waitFor(
      () => world?.platform.live("ops").find(({ text }) => text === "echo: Deploy of api failed"),
      () => `the answer in ops\n${world?.logs()}`,
    );
    const env = cliEnv(world, life);
    const archived = await waitFor(async () => {
      const list = await runCli(["sessions", "list", "--archived", "--json"], env);
      const sessions = JSON.parse(list.stdout || "[]") as { id: string; conversation_key: string; origin: string }[];
      return sessions.find((session) => session.id === sessionId);
    }, "the archived session");
    expect(archived).toMatchObject({ origin: "trigger", conversation_key: `loopback:ops:${posted.message.id}` });

    const history = await runCli(["triggers", "history", "deploy", "--json"], env);
    expect(JSON.parse(history.stdout)).toMatchObject([
      { id: runId, source: "webhook", status: "completed", session_id: sessionId, payload: { service: "api" } },
    ]);

    // A reply in the thread the result started continues the archived session.
    const reply = await life.post({
      conversation: `ops:${posted.message.id}`,
      sender: "u1",
      text: "why?",
      message_id: "r1",
    });
    expect(reply).toMatchObject({ kind: "accepted", sessionId });
    await waitFor(
      () => world?.platform.live(`ops:${posted.message.id}`).some(({ text }) => text.startsWith("echo: ")),
      "the answer in the thread",
    );
    expect(
      world.model.requests
        .at(-1)
        ?.messages.filter((m) => m.role !== "system")
        .map((m) => m.content),
    ).toEqual(["trigger deploy: Deploy of api failed", "echo: Deploy of api failed", "why?"]);
    expect((await life.stop()).code).toBe(0);
  });

  it("the CLI lists, runs (through the running gateway), pauses and resumes triggers", async () => {
    world = await CrashWorld.create();
    const life = await start(world);
    const env = cliEnv(world, life);

    const run = await runCli(["triggers", "run", "deploy", "--payload", '{"service":"web"}'], env);
    expect(run, world.logs()).toMatchObject({ code: 0, stdout: "echo: Deploy of web failed\n" });
    // The running gateway ran it and posted it: the CLI only recorded the firing.
    expect(world.platform.live("ops").map(({ text }) => text)).toContain("echo: Deploy of web failed");

    expect((await runCli(["triggers", "pause", "deploy"], env)).stdout).toBe("paused deploy\n");
    const skipped = await hook(life, { service: "api" });
    expect(await skipped.json()).toMatchObject({ skipped: "paused" });
    const list = JSON.parse((await runCli(["triggers", "list", "--json"], env)).stdout) as Record<string, unknown>[];
    expect(list[0]).toMatchObject({
      name: "deploy",
      webhook: "/hooks/deploy",
      destination: "loopback ops",
      paused: true,
      status: "paused",
    });
    expect(list[1]).toMatchObject({ name: "slacky", destination: "slack C1", last_run: null, status: "ok" });
    expect(list[0]?.last_run).toMatchObject({ status: "skipped", error: "paused" });
    await runCli(["triggers", "resume", "deploy"], env);
    expect((await hook(life, { service: "db" })).status).toBe(202);

    const prune = await runCli(["sessions", "prune", "--days", "1", "--dry-run", "--json"], env);
    expect(JSON.parse(prune.stdout)).toMatchObject({ dry_run: true, days: 1 });
    expect((await runCli(["triggers", "run", "nope"], env)).stderr).toContain('no trigger "nope"');
    const unserved = await runCli(["triggers", "run", "slacky"], env);
    expect(unserved).toMatchObject({
      code: 1,
      stderr: "error: the running gateway has no slack channel to run slacky\n",
    });
    expect((await life.stop()).code).toBe(0);
  });

  it("triggers run without a running gateway runs the trigger itself and posts to the channel", async () => {
    world = await CrashWorld.create();
    writeYaml(world);
    const env = cliEnv(world, { port: await freePort() });
    const run = await runCli(["triggers", "run", "deploy", "--payload", '{"service":"solo"}', "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as { status: string; answer: string; session_id: string };
    expect(printed).toMatchObject({ status: "completed", source: "manual", answer: "echo: Deploy of solo failed" });
    expect(world.platform.live("ops").map(({ text }) => text)).toEqual(["echo: Deploy of solo failed"]);
    const list = await runCli(["sessions", "list", "--archived", "--json"], env);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((session) => session.id)).toEqual([printed.session_id]);
    expect(await runCli(["triggers", "run", "slacky"], env)).toMatchObject({
      code: 1,
      stderr: "error: the slack channel (the destination of slacky) is not configured\n",
    });
  });

  it("a run interrupted by a kill completes once after the restart", async () => {
    world = await CrashWorld.create({ pieceDelayMs: 40 });
    const doomed = await start(world, "mid-stream");
    expect((await hook(doomed, { service: "api" })).status).toBe(202);
    expect(await doomed.waitForExit()).toEqual({ code: null, signal: "SIGKILL" });

    const life = await start(world);
    await waitFor(
      () => world?.platform.live("ops").some(({ text }) => isAnswer(text)),
      () => `the answer after the restart\n${world?.logs()}`,
    );
    expect((await life.stop()).code).toBe(0);
    const answers = world.platform.live("ops").filter(({ text }) => isAnswer(text));
    expect(answers.map(({ text }) => text)).toEqual(["echo: Deploy of api failed"]);
    const store = openStore(world.sandbox.db);
    try {
      const runs = await store.triggers.history("deploy");
      expect(runs).toMatchObject([{ status: "completed" }]);
      expect((await store.sessions.get(runs[0]?.sessionId ?? ""))?.state).toBe("archived");
    } finally {
      await store.close();
    }
  });
});
