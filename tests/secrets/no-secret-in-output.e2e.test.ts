import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CliResult, CliSandbox, freePort, waitFor } from "../cli/run-cli.js";

/**
 * Issue 15: with every platform and model endpoint unreachable and LOG_LEVEL=trace, grammY's
 * error text carried `…/bot<token>/getMe` into the log four times in four seconds. Every
 * configured secret must be absent from everything the process prints.
 */
const SECRETS = {
  OPENAI_API_KEY: "sk-test-openai-key-0d9f8e7c6b5a",
  TELEGRAM_BOT_TOKEN: "7000001234:AAH-telegram-secret-part_9z8y7x",
  TELEGRAM_WEBHOOK_SECRET: "telegram-webhook-secret-4f3e2d",
  SLACK_BOT_TOKEN: "xoxb-1111-2222-slack-bot-secret",
  SLACK_APP_TOKEN: "xapp-1-A111-slack-app-secret",
  SLACK_SIGNING_SECRET: "slack-signing-secret-8c7b6a5",
  HOOK_SECRET: "trigger-hook-secret-1a2b3c4d",
};
/** The part of the Telegram token that is secret (the bot id before the colon is public). */
const TELEGRAM_SECRET_PART = SECRETS.TELEGRAM_BOT_TOKEN.split(":")[1] ?? "";

function leaks(output: string): string[] {
  return [...Object.values(SECRETS), TELEGRAM_SECRET_PART, encodeURIComponent(SECRETS.TELEGRAM_BOT_TOKEN)].filter(
    (secret) => output.includes(secret),
  );
}

let box: CliSandbox | undefined;
afterEach(() => {
  box?.cleanup();
  box = undefined;
});

/** A sandbox whose model, Telegram and Slack endpoints are ports nobody listens on, with every secret set. */
async function unreachableWorld(): Promise<{ box: CliSandbox; env: Record<string, string> }> {
  const dead = await freePort();
  const sandbox = new CliSandbox(`http://127.0.0.1:${dead}/v1`);
  box = sandbox;
  writeFileSync(
    join(sandbox.dir, "gateway.yml"),
    ["triggers:", "  - name: hook", "    prompt: do it", "    webhook:", "      secret_env: HOOK_SECRET"].join("\n"),
  );
  return {
    box: sandbox,
    env: {
      ...SECRETS,
      GATEWAY_CONFIG: "gateway.yml",
      LOG_LEVEL: "trace",
      PORT: String(await freePort()),
      TELEGRAM_API_ROOT: `http://127.0.0.1:${dead}`,
      SLACK_API_URL: `http://127.0.0.1:${dead}/api/`,
    },
  };
}

/** `gateway start` until it exits by itself or has retried Telegram a few times; then SIGTERM. */
async function startUntilRetried(sandbox: CliSandbox, env: Record<string, string>): Promise<CliResult> {
  const running = sandbox.spawn(["start"], env);
  let exited = false;
  void running.done.then(() => {
    exited = true;
  });
  try {
    await waitFor(
      () => exited || (running.output().stderr.match(/retrying/g) ?? []).length >= 3,
      "the gateway to exit or retry the unreachable Telegram API three times",
    );
  } finally {
    if (!exited) running.child.kill("SIGTERM");
  }
  return running.done;
}

describe("no configured secret in any output", () => {
  it("gateway start with Telegram, Slack (Socket Mode) and the model unreachable", async () => {
    const world = await unreachableWorld();
    const result = await startUntilRetried(world.box, world.env);
    const output = result.stdout + result.stderr;
    expect(output).toContain("getMe");
    expect(leaks(output), output).toEqual([]);
  });

  it("gateway start with only Telegram configured, retrying for a while", async () => {
    const world = await unreachableWorld();
    const env = { ...world.env, SLACK_BOT_TOKEN: "", SLACK_APP_TOKEN: "", SLACK_SIGNING_SECRET: "" };
    const result = await startUntilRetried(world.box, env);
    const output = result.stdout + result.stderr;
    expect((output.match(/retrying/g) ?? []).length, output).toBeGreaterThanOrEqual(3);
    expect(output).toContain("[redacted]");
    expect(leaks(output), output).toEqual([]);
  });

  it("gateway run -p and doctor with the model unreachable; nothing stored holds a secret either", async () => {
    const world = await unreachableWorld();
    for (const args of [["run", "-p", "hello"], ["run", "--json", "-p", "hello"], ["doctor"]]) {
      const result = await world.box.run(args, world.env, 120_000);
      const output = result.stdout + result.stderr;
      expect(result.code, output).not.toBe(0);
      expect(leaks(output), output).toEqual([]);
    }
    const stored = ["", "-wal"]
      .map((suffix) => `${world.box.db}${suffix}`)
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString("latin1"))
      .join("\n");
    expect(stored).toContain("hello");
    expect(leaks(stored)).toEqual([]);
  });
});
