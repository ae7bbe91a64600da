import { describe, expect } from "vitest";
import { cliTest as it, type RunningCli, waitFor } from "../cli/run-cli.js";
import { freePort } from "../crash/child-gateway.js";
import { FakeTelegram, postWebhookUpdate, telegramErrors } from "../fakes/fake-telegram.js";

/**
 * Issue 15: right after /healthz said 200, Telegram webhook deliveries got 503 (2 of 4 starts).
 * Health is 200 only when every configured channel accepts; before that it is 503 with the reason.
 */
const SECRET = "health-test-webhook-secret";

interface Health {
  status: number;
  body: { ok: boolean; problems: string[]; channels: Record<string, { state: string }> };
}

async function health(base: string): Promise<Health | undefined> {
  try {
    const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: (await response.json()) as Health["body"] };
  } catch {
    return undefined;
  }
}

function webhookEnv(telegram: FakeTelegram, port: number): Record<string, string> {
  return {
    PORT: String(port),
    LOG_LEVEL: "warn",
    GATEWAY_ALLOW: "*",
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_WEBHOOK_URL: "https://gateway.example/telegram/webhook",
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  };
}

async function stop(running: RunningCli): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGTERM");
  await running.done;
}

describe("/healthz tells the truth", { timeout: 180_000 }, () => {
  it("is 503 naming Telegram while setWebhook fails, and 200 only once webhook deliveries are taken", async ({
    cli: { box },
  }) => {
    const telegram = await new FakeTelegram().start();
    telegram.failNext("setWebhook", telegramErrors.serverError(), Number.POSITIVE_INFINITY);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const running = box.spawn(["start"], webhookEnv(telegram, port));
    try {
      await waitFor(() => telegram.callsOf("setWebhook").length >= 2, "setWebhook to be tried twice");
      const during = await waitFor(() => health(base), "an answer from /healthz");
      expect(during.status).toBe(503);
      expect(during.body.ok).toBe(false);
      expect(during.body.problems.join("\n")).toMatch(/^telegram: starting/m);
      const refused = await postWebhookUpdate(`${base}/telegram/webhook`, telegram.privateText("too early"), SECRET);
      expect(refused.status).toBe(503);

      telegram.clearFailures();
      const ready = await waitFor(
        async () => ((await health(base))?.status === 200 ? true : undefined),
        "/healthz 200 once setWebhook succeeds",
      );
      expect(ready).toBe(true);
      const taken = await postWebhookUpdate(`${base}/telegram/webhook`, telegram.privateText("now"), SECRET);
      expect(taken.status, taken.body).toBe(200);
    } finally {
      await stop(running);
      await telegram.stop();
    }
  });

  it("the first 200 of every start means a webhook delivery is taken at once (three starts)", async ({
    cli: { box },
  }) => {
    const telegram = await new FakeTelegram().start();
    try {
      for (let start = 0; start < 3; start++) {
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        const running = box.spawn(["start"], webhookEnv(telegram, port));
        try {
          const seen: number[] = [];
          await waitFor(async () => {
            const answer = await health(base);
            if (answer) seen.push(answer.status);
            return answer?.status === 200;
          }, "/healthz 200");
          const delivery = await postWebhookUpdate(
            `${base}/telegram/webhook`,
            telegram.privateText(`hello ${start}`),
            SECRET,
          );
          expect(delivery.status, `start ${start}: health answers ${seen.join(",")}; ${delivery.body}`).toBe(200);
        } finally {
          await stop(running);
        }
      }
    } finally {
      await telegram.stop();
    }
  });
});
