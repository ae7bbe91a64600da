import type { z } from "zod";
import { fileSchema, type TriggerSettings } from "../../src/config/file-schema.js";
import type { Clock } from "../../src/ids.js";
import type { TriggerRun } from "../../src/store/trigger-repository.js";
import { StoredChannel } from "../../src/triggers/stored-channel.js";
import { Triggers } from "../../src/triggers/triggers.js";
import { mountWebhooks } from "../../src/triggers/webhook-routes.js";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";

/** A trigger as written in the YAML (defaults are filled in by the schema). */
export type TriggerYaml = NonNullable<z.input<typeof fileSchema.shape.triggers>>[number];

export const SECRET = "s3cret-hook-token";

export interface WorldOptions {
  /** The triggers' clock (cron firing); the gateway's by default. */
  clock?: Clock;
  experts?: { name: string; instructions?: string }[];
}

/**
 * An in-process gateway with a Slack-like fake channel (`slack`, threads), a
 * Telegram-like one (`telegram`, replies), the stored channel and the
 * triggers, webhooks mounted on its HTTP server. The model is the fake OpenAI server.
 */
export class TriggerWorld {
  readonly slack: FakeChannel;
  readonly telegram: FakeChannel;
  readonly harness: GatewayHarness;
  readonly settings: TriggerSettings[];
  triggers!: Triggers;

  private constructor(harness: GatewayHarness, settings: TriggerSettings[], slack: FakeChannel, telegram: FakeChannel) {
    this.harness = harness;
    this.settings = settings;
    this.slack = slack;
    this.telegram = telegram;
  }

  static async start(yaml: TriggerYaml[], options: WorldOptions = {}): Promise<TriggerWorld> {
    const settings = fileSchema.shape.triggers.parse(yaml);
    const slack = new FakeChannel({ name: "slack", threads: true });
    const telegram = new FakeChannel({ name: "telegram" });
    const harness = await GatewayHarness.start([slack, telegram, new StoredChannel()], {
      experts: options.experts ?? [],
    });
    const world = new TriggerWorld(harness, settings, slack, telegram);
    world.triggers = new Triggers({
      triggers: settings,
      store: harness.store,
      experts: harness.experts,
      adapters: harness.gateway.adapters,
      clock: options.clock ?? harness.clock.now,
      logger: harness.logger,
      onQueued: () => harness.gateway.scheduler.wake(),
      pollMs: 20,
    });
    mountWebhooks(harness.http, world.triggers, settings, { HOOK_SECRET: SECRET });
    world.triggers.start();
    return world;
  }

  get store() {
    return this.harness.store;
  }

  get fake() {
    return this.harness.fake;
  }

  /** POSTs to `/hooks/NAME` of the gateway's HTTP server. */
  async hook(
    name: string,
    body: string | object,
    headers: Record<string, string> = { authorization: `Bearer ${SECRET}` },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`http://127.0.0.1:${this.harness.port}/hooks/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Waits until the run has ended (completed, failed) and returns it. */
  async ended(runId: string): Promise<TriggerRun> {
    let run: TriggerRun | undefined;
    await waitUntil(
      async () => {
        run = await this.store.triggers.get(runId);
        return run !== undefined && run.status !== "running";
      },
      () => `run ${runId}: ${JSON.stringify(run)}`,
    );
    return run as TriggerRun;
  }

  async close(): Promise<void> {
    await this.triggers.stop();
    await this.harness.close();
  }
}
