import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChildGateway, Sandbox } from "../crash/child-gateway.js";
import { FakeLoopbackPlatform } from "../fakes/fake-loopback-platform.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";

export const ADMIN_TOKEN = "console-test-admin-token-7f3a9c";
export const METRICS_TOKEN = "console-test-metrics-token-2b8d1e";

/**
 * One `gateway start` child on SQLite with the loopback channel, a fake model and the operator
 * console and `/metrics` switched on by their tokens.
 */
export class ConsoleWorld {
  readonly model: FakeOpenAi;
  readonly platform: FakeLoopbackPlatform;
  readonly sandbox: Sandbox;
  readonly gateway: ChildGateway;

  private constructor(model: FakeOpenAi, platform: FakeLoopbackPlatform, sandbox: Sandbox, gateway: ChildGateway) {
    this.model = model;
    this.platform = platform;
    this.sandbox = sandbox;
    this.gateway = gateway;
  }

  /** `yaml`: the gateway's YAML, if any. */
  static async start(extra: Record<string, string> = {}, yaml?: string): Promise<ConsoleWorld> {
    const model = await new FakeOpenAi().start();
    const platform = await new FakeLoopbackPlatform().start();
    const sandbox = new Sandbox();
    try {
      if (yaml !== undefined) {
        const path = join(sandbox.dir, "gateway.yml");
        writeFileSync(path, yaml);
        extra = { GATEWAY_CONFIG: path, ...extra };
      }
      const gateway = await ChildGateway.start({
        db: sandbox.db,
        home: sandbox.dir,
        modelUrl: model.url,
        platformUrl: platform.url,
        extra: { GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN, GATEWAY_METRICS_TOKEN: METRICS_TOKEN, ...extra },
      });
      return new ConsoleWorld(model, platform, sandbox, gateway);
    } catch (error) {
      await Promise.all([model.stop(), platform.stop()]);
      sandbox.cleanup();
      throw error;
    }
  }

  get url(): string {
    return this.gateway.url;
  }

  /** Posts a message into `loopback:<conversation>` and returns its session id. */
  async say(conversation: string, text: string, sender = "ann"): Promise<string> {
    const outcome = await this.gateway.post({ conversation, sender, text, message_id: `${conversation}-${text}` });
    if (outcome.kind !== "accepted") throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
    return outcome.sessionId;
  }

  /** The texts the platform was sent into a conversation. */
  sentTo(conversation: string): string[] {
    return this.platform.sent.filter((message) => message.conversation === conversation).map((message) => message.text);
  }

  async close(): Promise<void> {
    await this.gateway.stop();
    await Promise.all([this.model.stop(), this.platform.stop()]);
    this.sandbox.cleanup();
  }
}

/** Signs in the way the form does (its CSRF cookie and field): the status, and the session cookie when it worked. */
export async function signIn(base: string, token: string): Promise<{ status: number; cookie: string | undefined }> {
  const form = await fetch(`${base}/admin/login`);
  const formCookie = (form.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const response = await fetch(`${base}/admin/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: formCookie },
    body: new URLSearchParams({ csrf, token }).toString(),
    redirect: "manual",
  });
  const session = (response.headers.get("set-cookie") ?? "").split(";")[0];
  return { status: response.status, cookie: session?.startsWith("cg_console=") ? session : undefined };
}

/** A console page read with a session cookie, without following redirects. */
export async function readPage(url: string, cookie: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers: { cookie }, redirect: "manual" });
  return { status: response.status, body: await response.text() };
}
