import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { SLACK_SIGNING_SECRET, TELEGRAM_SECRET } from "./inbound.js";
import type { WorldUrls } from "./world.js";

const TICK_MS = 1000 / 100; // USER_HZ: /proc reports CPU time in ticks of 10 ms
const live = new Set<GatewayProcess>();

/** Stops every gateway still running (a failed phase must not leave one behind). */
export async function stopAllGateways(): Promise<void> {
  await Promise.all([...live].map((gateway) => gateway.stop()));
}

/** The real gateway (`node dist/src/cli.js start`) as a child process, with its channels on the fakes. */
export class GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly spawnedAt: number;
  #errors = 0;

  private constructor(child: ChildProcess, port: number, spawnedAt: number) {
    this.child = child;
    this.port = port;
    this.spawnedAt = spawnedAt;
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const lines = (pending + chunk.toString("utf8")).split("\n");
      pending = lines.pop() ?? "";
      // pino levels: 50 error, 60 fatal. The bench runs at LOG_LEVEL=error, so every line is one.
      this.#errors += lines.filter((line) => /"level":(50|60)/.test(line)).length;
    });
  }

  static async start(options: {
    urls: WorldUrls;
    db: string;
    maxTurns: number;
    nodeArgs?: string[];
  }): Promise<GatewayProcess> {
    const port = await freePort();
    const spawnedAt = performance.now();
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), join(packageRoot(), "dist/src/cli.js"), "start"],
      {
        env: {
          PATH: process.env.PATH,
          HOST: "127.0.0.1",
          PORT: String(port),
          LOG_LEVEL: "error",
          GATEWAY_DB: options.db,
          GATEWAY_ALLOW: "*",
          GATEWAY_MAX_TURNS: String(options.maxTurns),
          GATEWAY_MODEL_TIMEOUT: "300",
          OPENAI_BASE_URL: options.urls.model,
          OPENAI_API_KEY: "bench",
          GATEWAY_MODEL: "fake-model",
          TELEGRAM_BOT_TOKEN: "123456789:BENCH-token",
          TELEGRAM_API_ROOT: options.urls.telegram,
          TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook`,
          TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
          SLACK_BOT_TOKEN: "xoxb-test",
          SLACK_SIGNING_SECRET,
          SLACK_API_URL: options.urls.slack,
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const gateway = new GatewayProcess(child, port, spawnedAt);
    live.add(gateway);
    return gateway;
  }

  /** Milliseconds from spawn until /healthz answers with every channel running. */
  async ready(timeoutMs = 30_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`the gateway exited with ${this.child.exitCode}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        const health = (await response.json()) as { channels?: Record<string, { state: string }> };
        const states = Object.values(health.channels ?? {}).map((channel) => channel.state);
        if (response.status === 200 && states.length === 2 && states.every((s) => s === "running")) {
          return performance.now() - this.spawnedAt;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error("the gateway did not become ready");
  }

  /** error and fatal log lines so far */
  get errorLines(): number {
    return this.#errors;
  }

  /** User + system CPU time of the process so far, in ms (from /proc, 10 ms resolution). */
  cpuMs(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }

  /** Resident set size now (VmRSS) and its peak (VmHWM), in MB. */
  memoryMb(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  }

  async stop(): Promise<void> {
    live.delete(this);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    await exited;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
