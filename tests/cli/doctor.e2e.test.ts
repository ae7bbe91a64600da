import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { FakeSlack } from "../fakes/fake-slack.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { type CliResult, freePort, cliTest as it, lines, parseJson, type RunningCli, waitFor } from "./run-cli.js";

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** The doctor line for a check, e.g. `FAIL  model other-model: …`. */
function line(result: CliResult, level: "ok" | "warn" | "FAIL", name: string): string {
  const found = lines(result.stdout).find((text) => new RegExp(`^${level}\\s+${name}: `).test(text));
  if (!found) throw new Error(`no "${level} ${name}" line in:\n${result.stdout}\n${result.stderr}`);
  return found;
}

function killAfterTest(running: RunningCli, onTestFinished: (fn: () => void) => void): void {
  onTestFinished(() => {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL");
  });
}

const yaml = (...rows: string[]) => `${rows.join("\n")}\n`;

describe.concurrent("gateway doctor", { timeout: 90_000 }, () => {
  it("fails on what start or run would fail on, each with its fix", async ({ cli: { box } }) => {
    writeFileSync(
      join(box.dir, "gateway.yml"),
      yaml(
        "experts:",
        "  - name: writer",
        "    instructions: Write well.",
        "channels:",
        "  telegram:",
        "    bindings:",
        '      - chat: "-100123"',
        "        expert: ghost",
        "  slack:",
        "    expert: phantom",
        "triggers:",
        "  - name: digest",
        "    expert: nobody",
        "    prompt: Summarize.",
        '    schedule: { cron: "0 8 * * *" }',
        "    destination: none",
        "  - name: deploy",
        "    prompt: A deploy failed.",
        "    webhook: { secret_env: DEPLOY_HOOK_SECRET }",
        "    destination: none",
      ),
    );
    const result = await box.run(["doctor"], {
      GATEWAY_CONFIG: "gateway.yml",
      GATEWAY_MODEL: "other-model",
      PORT: "0",
    });
    expect(result.code).toBe(1);
    expect(line(result, "FAIL", "model other-model")).toMatch(
      /does not list it \(used by default, writer\); it lists fake-model → set GATEWAY_MODEL/,
    );
    expect(line(result, "FAIL", "trigger digest")).toContain('no Expert "nobody"');
    expect(line(result, "FAIL", "trigger deploy")).toContain(
      "DEPLOY_HOOK_SECRET (its webhook secret) is not set → set DEPLOY_HOOK_SECRET",
    );
    expect(result.stdout).toMatch(
      /^FAIL\s+channel binding: channels\.telegram\.bindings\[0\]\.expert: no Expert "ghost"/m,
    );
    expect(result.stdout).toMatch(/^FAIL\s+channel binding: channels\.slack\.expert: no Expert "phantom"/m);
    expect(line(result, "ok", "model endpoint")).toContain("answered with 1 models, other-model not listed");
    expect(line(result, "warn", "channels")).toContain('run "gateway init"');
  });

  it("start refuses a Telegram binding to an unknown Expert, as doctor does", async ({ cli: { box } }) => {
    writeFileSync(
      join(box.dir, "gateway.yml"),
      yaml("channels:", "  telegram:", "    bindings:", '      - chat: "42"', "        expert: ghost"),
    );
    const start = await box.run(["start"], { GATEWAY_CONFIG: "gateway.yml", PORT: String(await freePort()) });
    expect(start.code).toBe(1);
    expect(lines(start.stderr)).toEqual([
      'error: channels.telegram.bindings[0].expert: no Expert "ghost" (known: default)',
    ]);
  });

  it("checks channel tokens live and never prints them", async ({ cli: { box } }) => {
    const telegram = await new FakeTelegram().start();
    const slack = await new FakeSlack().start();
    try {
      const env = {
        TELEGRAM_API_ROOT: telegram.url,
        SLACK_API_URL: slack.apiUrl,
        SLACK_APP_TOKEN: "xapp-secret-app",
        SLACK_BOT_TOKEN: "xoxb-secret-bot",
        PORT: "0",
      };
      const good = await box.run(["doctor"], { ...env, TELEGRAM_BOT_TOKEN: telegram.token });
      expect(good.code, good.stdout).toBe(0);
      expect(line(good, "ok", "telegram")).toContain("@gateway_bot, long polling");
      expect(line(good, "ok", "slack")).toContain("gateway in Test, Socket Mode");
      expect(telegram.callsOf("getMe")).toHaveLength(1);
      expect(slack.callsOf("auth.test")).toHaveLength(1);

      slack.failNext({ kind: "error", error: "invalid_auth" }, "auth.test");
      const bad = await box.run(["doctor"], { ...env, TELEGRAM_BOT_TOKEN: "999:wrong-secret-token" });
      expect(bad.code).toBe(1);
      expect(line(bad, "FAIL", "telegram")).toMatch(/Telegram refused the token: Unauthorized → copy the token/);
      expect(line(bad, "FAIL", "slack")).toContain("Slack refused the token: invalid_auth");
      for (const secret of ["wrong-secret-token", "xoxb-secret-bot", "xapp-secret-app", telegram.token]) {
        expect(good.stdout + good.stderr + bad.stdout + bad.stderr).not.toContain(secret);
      }
    } finally {
      await telegram.stop();
      await slack.stop();
    }
  });

  it("warns when the Telegram webhook URL does not answer", async ({ cli: { box } }) => {
    const telegram = await new FakeTelegram().start();
    try {
      const hook = `http://127.0.0.1:${await freePort()}/telegram/webhook`;
      const result = await box.run(["doctor"], {
        TELEGRAM_API_ROOT: telegram.url,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_WEBHOOK_URL: hook,
        PORT: "0",
      });
      expect(result.code, result.stdout).toBe(0);
      expect(line(result, "ok", "telegram")).toContain(`webhook ${hook}`);
      expect(line(result, "warn", "telegram webhook")).toContain(`${hook} could not be reached (ECONNREFUSED)`);
    } finally {
      await telegram.stop();
    }
  });

  it("fails when something else holds the port", async ({ cli: { box } }) => {
    const port = await freePort();
    const { createServer } = await import("node:http");
    const other = createServer((_req, res) => res.writeHead(200).end("not a gateway"));
    await new Promise<void>((resolve) => other.listen(port, "127.0.0.1", resolve));
    try {
      const result = await box.run(["doctor"], { PORT: String(port) });
      expect(result.code).toBe(1);
      expect(line(result, "FAIL", "port")).toContain(`127.0.0.1:${port} cannot be bound (EADDRINUSE)`);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe.concurrent("gateway status", { timeout: 90_000 }, () => {
  it("asks the running gateway for channels, turns, queue, outbox and version", async ({
    cli: { box },
    onTestFinished,
  }) => {
    const telegram = await new FakeTelegram().start();
    onTestFinished(() => telegram.stop());
    const env = { PORT: String(await freePort()), TELEGRAM_API_ROOT: telegram.url, TELEGRAM_BOT_TOKEN: telegram.token };
    const running = box.spawn(["start"], env);
    killAfterTest(running, onTestFinished);
    const status = await waitFor(
      async () => {
        const result = await box.run(["status", "--json"], env);
        const body = result.code === 0 ? parseJson<Record<string, unknown>>(result) : undefined;
        return (body?.channels as Record<string, { state: string }> | undefined)?.telegram?.state === "running" && body;
      },
      "the gateway's Telegram channel to run",
      60_000,
    );
    expect(status).toMatchObject({
      version,
      running_turns: 0,
      queue_depth: 0,
      outbox_backlog: 0,
      url: `http://127.0.0.1:${env.PORT}/healthz`,
    });
    const text = await box.run(["status"], env);
    expect(text.code).toBe(0);
    expect(lines(text.stdout)).toEqual([
      expect.stringMatching(new RegExp(`^gateway\\s+${version} at http://127\\.0\\.0\\.1:${env.PORT}, ok, up \\d+ s$`)),
      expect.stringMatching(/^channels\s+telegram running/),
      expect.stringMatching(/^turns\s+0 running$/),
      expect.stringMatching(/^queue\s+0 waiting$/),
      expect.stringMatching(/^outbox\s+0 unsent$/),
      expect.stringMatching(/^database\s+sqlite, 1 gateway on it; this one polls Telegram$/),
    ]);
    running.child.kill("SIGTERM");
    await running.done;
  });

  it("says where it looked when no gateway runs", async ({ cli: { box } }) => {
    const port = await freePort();
    const result = await box.run(["status"], { PORT: String(port) });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `error: no gateway answers at http://127.0.0.1:${port}/healthz (ECONNREFUSED); is "gateway start" running with this configuration?`,
    ]);
  });
});
