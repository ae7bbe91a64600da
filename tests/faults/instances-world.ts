import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { ChildGateway } from "../crash/child-gateway.js";
import { echoOf, isAnswer, turnTexts } from "../crash/crash-world.js";
import { FakeLoopbackPlatform } from "../fakes/fake-loopback-platform.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { FakeSlack } from "../fakes/fake-slack.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { SIGNING_SECRET } from "../slack/slack-world.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";
import { sleep } from "../support/wait.js";
import { WEBHOOK_SECRET } from "./platform-world.js";

/** A trigger that fires every second, so that every instance is due at the same times. */
const CRON_YAML = `triggers:
  - name: every-second
    prompt: cron tick
    schedule:
      cron: "* * * * * *"
    destination: none
`;

/** What health says of one instance. */
export interface InstanceHealth {
  status: number;
  role?: { poll_leader: boolean; roles: string[] };
  instances?: number;
  database?: { backend: string; ok: boolean };
}

/**
 * Several `gateway start` processes on one PostgreSQL database made for the world, with Telegram
 * (webhook or long polling) and Slack (HTTP events) on fakes, a fake model that answers `echo: …`
 * after a seeded delay, and a schedule that fires every second.
 */
export class InstancesWorld {
  readonly dir = makeTempDir("gateway-instances-");
  readonly model = new FakeOpenAi();
  readonly telegram = new FakeTelegram({ maxPollMs: 200 });
  readonly slack = new FakeSlack();
  /** Unused by the instances' traffic; the gateway's loopback channel needs somewhere to post. */
  readonly loopback = new FakeLoopbackPlatform();
  readonly instances: ChildGateway[] = [];
  database: TestDatabase | undefined;

  /** `yaml`: the instances' gateway.yml (default: the every-second schedule). */
  static async create(options: { delayMs: (texts: string[]) => number; yaml?: string }): Promise<InstancesWorld> {
    const world = new InstancesWorld();
    writeFileSync(join(world.dir, "gateway.yml"), options.yaml ?? CRON_YAML);
    await world.model.start();
    await world.telegram.start();
    await world.slack.start();
    await world.loopback.start();
    world.database = await createTestDatabase();
    world.model.beforeReply = (body) => sleep(options.delayMs(turnTexts(body)));
    world.model.fallback = (body) => ({ kind: "text", text: echoOf(turnTexts(body)) });
    return world;
  }

  get url(): string {
    if (!this.database) throw new Error("no database");
    return this.database.url;
  }

  /**
   * Starts one more instance; `webhook`: Telegram in webhook mode (else long polling); `socket`: Slack
   * over Socket Mode (each instance opens its own connection) instead of HTTP events.
   */
  async start(options: { webhook: boolean; socket?: boolean }): Promise<ChildGateway> {
    const instance = await ChildGateway.start({
      db: this.url,
      home: this.dir,
      modelUrl: this.model.url,
      platformUrl: this.loopback.url,
      extra: {
        LOG_LEVEL: "info",
        GATEWAY_CONFIG: "gateway.yml",
        GATEWAY_ALLOW: "*",
        TELEGRAM_BOT_TOKEN: this.telegram.token,
        TELEGRAM_API_ROOT: this.telegram.url,
        ...(options.webhook
          ? {
              TELEGRAM_WEBHOOK_URL: "https://gateway.example/telegram/webhook",
              TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
            }
          : {}),
        SLACK_BOT_TOKEN: "xoxb-test",
        ...(options.socket ? { SLACK_APP_TOKEN: "xapp-test" } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
        SLACK_API_URL: this.slack.apiUrl,
      },
    });
    this.instances.push(instance);
    return instance;
  }

  live(): ChildGateway[] {
    return this.instances.filter((instance) => !instance.hasExited);
  }

  async health(instance: ChildGateway): Promise<InstanceHealth> {
    const response = await fetch(`${instance.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, ...((await response.json()) as Omit<InstanceHealth, "status">) };
  }

  /** The bot's final Telegram messages and Slack posts that answer `text`. */
  answers(text: string): string[] {
    const telegram = [...this.telegram.messages.values()]
      .filter((message) => message.from?.id === this.telegram.bot.id)
      .map((message) => message.text ?? "");
    const slack = this.slack
      .botMessages()
      .filter((message) => !message.streaming)
      .map((message) => message.text);
    return [...telegram, ...slack].filter((shown) => isAnswer(shown) && shown.includes(text));
  }

  /** Runs `work` on the world's database. */
  async sql<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  logs(): string {
    return this.instances.map((instance, index) => `--- instance ${index} ---\n${instance.output}`).join("\n");
  }

  async close(): Promise<void> {
    for (const instance of this.instances) instance.kill();
    await Promise.all(this.instances.map((instance) => instance.exited.catch(() => undefined)));
    await Promise.all([this.model.stop(), this.telegram.stop(), this.slack.stop(), this.loopback.stop()]);
    await this.database?.drop();
    removeTempDir(this.dir);
  }
}
