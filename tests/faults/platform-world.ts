import type { ChildGateway } from "../crash/child-gateway.js";
import { CrashWorld, type ModelBehaviour } from "../crash/crash-world.js";
import { FakeSlack } from "../fakes/fake-slack.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { SIGNING_SECRET } from "../slack/slack-world.js";

export const WEBHOOK_SECRET = "fault-suite-webhook-secret";

/**
 * A crash world (sandbox, fake model, loopback platform) whose gateway child
 * also runs Telegram in webhook mode and Slack in HTTP mode against fakes on
 * 127.0.0.1, open to everyone.
 */
export class PlatformWorld {
  private constructor(
    readonly base: CrashWorld,
    readonly telegram: FakeTelegram,
    readonly slack: FakeSlack,
  ) {}

  static async create(behaviour: ModelBehaviour = {}): Promise<PlatformWorld> {
    const base = await CrashWorld.create(behaviour);
    const telegram = await new FakeTelegram({ maxPollMs: 200 }).start();
    const slack = await new FakeSlack().start();
    return new PlatformWorld(base, telegram, slack);
  }

  /** The environment that points the child at the fakes. */
  env(): Record<string, string> {
    return {
      GATEWAY_ALLOW: "*",
      TELEGRAM_BOT_TOKEN: this.telegram.token,
      TELEGRAM_API_ROOT: this.telegram.url,
      TELEGRAM_WEBHOOK_URL: "https://gateway.example/telegram/webhook",
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: this.slack.apiUrl,
    };
  }

  /** Starts a gateway life with both platforms (and `extra` on top). */
  start(extra: Record<string, string> = {}): Promise<ChildGateway> {
    return this.base.start({ extra: { ...this.env(), ...extra } });
  }

  logs(): string {
    return this.base.logs();
  }

  async close(): Promise<void> {
    await this.base.close();
    await this.telegram.stop();
    await this.slack.stop();
  }
}
