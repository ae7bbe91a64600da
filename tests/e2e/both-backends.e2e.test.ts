import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gatewayEnv, runCli, waitFor } from "../crash/child-gateway.js";
import type { ModelBehaviour } from "../crash/crash-world.js";
import { answersOf, echoOf, turnTexts } from "../crash/crash-world.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { PlatformWorld, WEBHOOK_SECRET } from "../faults/platform-world.js";
import { call, systemText } from "../memory/memory-world.js";
import { eventCallback, messageEvent, postSigned } from "../slack/slack-world.js";
import { countRows, createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";

/*
 * The gateway process end to end on each store backend: the same scenarios with GATEWAY_DB a
 * SQLite file in the sandbox, and a PostgreSQL URL of a database made for the test (dropped
 * after it). Without a reachable PostgreSQL the PostgreSQL cases fail; they never skip.
 */

const HOOK_SECRET = "both-backends-hook-secret";

const yaml = [
  "triggers:",
  "  - name: deploy",
  '    prompt: "Deploy of {{payload.service}} failed"',
  "    webhook:",
  "      secret_env: DEPLOY_HOOK_SECRET",
  "    destination:",
  "      loopback:",
  "        conversation: ops",
  "",
].join("\n");

describe.each(["sqlite", "postgres"] as const)("the gateway on %s", (backend) => {
  let world: PlatformWorld | undefined;
  let database: TestDatabase | undefined;

  afterEach(async () => {
    try {
      if (database && world) {
        // The PostgreSQL case really ran on PostgreSQL: no SQLite file, and sessions in the database.
        expect(existsSync(world.base.sandbox.db)).toBe(false);
        expect(await countRows(database.url, "sessions")).toBeGreaterThan(0);
      }
    } finally {
      await world?.close();
      await database?.drop();
      world = undefined;
      database = undefined;
    }
  });

  /** A world whose gateway lives (and CLI runs) use this backend, with the trigger YAML. */
  async function create(
    behaviour: ModelBehaviour = {},
  ): Promise<{ world: PlatformWorld; env: Record<string, string> }> {
    world = await PlatformWorld.create(behaviour);
    const config = join(world.base.sandbox.dir, "gateway.yml");
    writeFileSync(config, yaml);
    const env: Record<string, string> = { GATEWAY_CONFIG: config, DEPLOY_HOOK_SECRET: HOOK_SECRET };
    if (backend === "postgres") {
      database = await createTestDatabase();
      env.GATEWAY_DB = database.url;
    }
    return { world, env };
  }

  it("answers a Telegram private message, once", async () => {
    const { world, env } = await create();
    const life = await world.start(env);
    await waitFor(() => world.telegram.webhook !== undefined, "setWebhook");
    const update = world.telegram.privateText(`hello from telegram ${world.base.tag}`);
    const response = await postWebhookUpdate(`${life.url}/telegram/webhook`, update, WEBHOOK_SECRET);
    expect(response.status, response.body).toBe(200);
    const shown = () =>
      [...world.telegram.messages.values()].filter((m) => m.from?.id === world.telegram.bot.id).map((m) => m.text);
    await waitFor(
      () => shown().includes(`echo: hello from telegram ${world.base.tag}`),
      () => `answers: ${JSON.stringify(shown())}\n${world.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(shown()).toEqual([`echo: hello from telegram ${world.base.tag}`]);
  });

  it("answers a Slack DM over HTTP in the DM itself", async () => {
    const { world, env } = await create();
    const life = await world.start(env);
    const ts = "1700004000.000100";
    const body = JSON.stringify(eventCallback(messageEvent({ channel: "D1", dm: true, text: "over http", ts })));
    // Until the channel has mounted its route, the server answers 404 (Slack retries those).
    await waitFor(
      async () => (await postSigned(life.port, body).catch(() => undefined))?.status === 200,
      "POST /slack/events answered 200",
    );
    const answer = await waitFor(
      // A DM is one running conversation: a top-level message is answered at the top level too.
      () => world.slack.botMessages("D1").find((m) => m.thread_ts === undefined && !m.streaming),
      () => `the answer in D1\n${world.logs()}`,
    );
    expect(answer.text).toBe("echo: over http");
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
  });

  it("queues a message sent while a turn runs and answers it with the next turn", async () => {
    const { world, env } = await create();
    // The first turn waits at the model until the second message is stored.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    world.base.model.beforeReply = (body) =>
      turnTexts(body).some((text) => text.endsWith("-1-q")) ? held : Promise.resolve();
    const life = await world.start(env);
    const first = world.base.message("Q", 1);
    const second = world.base.message("Q", 2);
    expect(await life.post(first)).toMatchObject({ kind: "accepted", queued: false });
    await waitFor(() => world.base.model.requests.length === 1, "the first turn at the model");
    const queued = await life.post(second);
    release();
    expect(queued).toMatchObject({ kind: "accepted", queued: true });
    const answers = () => answersOf(world.base.platform, [first, second]);
    await waitFor(
      () => [...answers().values()].every((found) => found.length === 1),
      () => `answers: ${JSON.stringify([...answers()])}\n${world.logs()}`,
    );
    expect(world.base.platform.live("Q").map(({ text }) => text)).toEqual(
      expect.arrayContaining([echoOf([first.text]), echoOf([second.text])]),
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
  });

  it("runs a webhook trigger and posts its answer", async () => {
    const { world, env } = await create();
    const life = await world.start(env);
    const response = await fetch(`${life.url}/hooks/deploy`, {
      method: "POST",
      headers: { authorization: `Bearer ${HOOK_SECRET}`, "content-type": "application/json" },
      body: JSON.stringify({ service: "api" }),
    });
    expect(response.status).toBe(202);
    const { run_id: runId } = (await response.json()) as { run_id: string };
    await waitFor(
      () => world.base.platform.live("ops").find(({ text }) => text === "echo: Deploy of api failed"),
      () => `the answer in ops\n${world.logs()}`,
    );
    const cliEnv = gatewayEnv(
      {
        db: world.base.sandbox.db,
        home: world.base.sandbox.dir,
        modelUrl: world.base.model.url,
        platformUrl: world.base.platform.url,
        extra: env,
      },
      life.port,
    );
    const history = await waitFor(async () => {
      const result = await runCli(["triggers", "history", "deploy", "--json"], cliEnv);
      const runs = JSON.parse(result.stdout || "[]") as { id: string; status: string }[];
      return runs.find((run) => run.id === runId && run.status === "completed");
    }, "the completed run");
    expect(history).toMatchObject({ source: "webhook", payload: { service: "api" } });
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
  });

  it("recalls a memory saved in one CLI session in the next", async () => {
    const { world, env } = await create();
    const cliEnv = gatewayEnv({
      db: world.base.sandbox.db,
      home: world.base.sandbox.dir,
      modelUrl: world.base.model.url,
      platformUrl: world.base.platform.url,
      extra: env,
    });
    world.base.model.reply(call("memory_save", { type: "project", content: "Deploys go out on Tuesdays." }), {
      kind: "text",
      text: "Noted.",
    });
    const saved = await runCli(["run", "-p", "remember that our deploys go out on Tuesdays"], cliEnv);
    expect(saved, saved.stderr).toMatchObject({ code: 0, stdout: "Noted.\n" });
    const asked = await runCli(["run", "-p", "when do we deploy?"], cliEnv);
    expect(asked.code, asked.stderr).toBe(0);
    expect(systemText(world.base.model.requests.at(-1))).toContain("Deploys go out on Tuesdays.");
    const listed = await runCli(["memories", "list", "--json"], cliEnv);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ type: "project", content: "Deploys go out on Tuesdays." }]);
  });
});
