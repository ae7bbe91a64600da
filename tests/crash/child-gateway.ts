import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FaultPoint } from "../../src/gateway/fault-points.js";
// One port picker for every test process, so concurrent tests are never handed the same port.
import { freePort } from "../cli/run-cli.js";
import { type ChildExit, runChild, startChild, type TestChild } from "../support/child-processes.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";
import { PATIENCE_MS, waitFor } from "../support/wait.js";

export { sleep, waitFor } from "../support/wait.js";
export type { ChildExit };

/** The built CLI; `npm run -s build` (or `npm test`) must have run first. */
export const CLI_PATH = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));

/** A message as the loopback channel takes it (`POST /loopback/messages`). */
export interface LoopbackMessage {
  conversation: string;
  sender: string;
  text: string;
  message_id?: string;
  delivery_key?: string;
  reply_to?: string;
}

/** What the gateway answered: stored, a known duplicate, or no answer at all (refused, reset, dead). */
export type PostOutcome =
  | { kind: "accepted"; queued: boolean; sessionId: string }
  | { kind: "duplicate" }
  | { kind: "failed"; status: number | null; error: string };

export interface GatewayEnv {
  db: string;
  home: string;
  modelUrl: string;
  platformUrl: string;
  crashAt?: FaultPoint;
  extra?: Record<string, string>;
}

/** A temp directory for one test: HOME and the database of every gateway life it starts. */
export class Sandbox {
  readonly dir = makeTempDir("gateway-crash-");
  readonly db = join(this.dir, "gw.db");

  constructor() {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run -s build" first`);
  }

  cleanup(): void {
    removeTempDir(this.dir);
  }
}

/** Runs the built CLI with these arguments to completion (for `run -p`, `sessions ...`). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = PATIENCE_MS,
): Promise<ChildExit & { stdout: string; stderr: string }> {
  return runChild(process.execPath, [CLI_PATH, ...args], { env }, timeoutMs);
}

/** The child's environment, from scratch: only PATH is inherited, so no real key or token leaks in. */
export function gatewayEnv(options: GatewayEnv, port?: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: options.home,
    OPENAI_BASE_URL: options.modelUrl,
    GATEWAY_MODEL: "fake-model",
    GATEWAY_DB: options.db,
    GATEWAY_LOOPBACK_URL: options.platformUrl,
    HOST: "127.0.0.1",
    ...(port === undefined ? {} : { PORT: String(port) }),
    LOG_LEVEL: "warn",
    ...(options.crashAt ? { GATEWAY_TEST_CRASH_AT: options.crashAt } : {}),
    ...options.extra,
  };
}

/**
 * `node dist/src/cli.js start` as a child process on a free port of
 * 127.0.0.1. Its stderr (warn-level logs) is kept for failure messages.
 */
export class ChildGateway {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<ChildExit>;
  readonly #tracked: TestChild;
  #output = "";

  private constructor(tracked: TestChild, port: number) {
    this.#tracked = tracked;
    this.child = tracked.child;
    this.port = port;
    const collect = (chunk: string) => {
      this.#output += chunk;
    };
    this.child.stdout?.on("data", collect);
    this.child.stderr?.on("data", collect);
    this.exited = tracked.done.then(({ code, signal }) => ({ code, signal }));
  }

  /**
   * Starts a gateway and waits for `GET /healthz` 200. With `mayDie` a child
   * that exits first (a crash point reached during start-up) is returned
   * as it is; otherwise that fails.
   */
  static async start(options: GatewayEnv & { mayDie?: boolean }): Promise<ChildGateway> {
    const port = await freePort();
    const tracked = startChild(process.execPath, [CLI_PATH, "start"], {
      cwd: options.home,
      env: gatewayEnv(options, port),
    });
    const gateway = new ChildGateway(tracked, port);
    await waitFor(
      async () => {
        if (gateway.hasExited) {
          if (options.mayDie) return true;
          throw new Error(`gateway exited during start-up (${JSON.stringify(gateway.exitState)}):\n${gateway.output}`);
        }
        const health = await fetch(`${gateway.url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(
          () => undefined,
        );
        return health?.status === 200;
      },
      () => `GET /healthz of the gateway child\n${gateway.output}`,
    );
    return gateway;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** stdout and stderr so far. */
  get output(): string {
    return this.#output;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  get exitState(): ChildExit {
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  /** Posts one platform message; never throws (a reset or refused connection is an outcome). */
  async post(message: LoopbackMessage): Promise<PostOutcome> {
    try {
      const response = await fetch(`${this.url}/loopback/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (response.status !== 200) return { kind: "failed", status: response.status, error: text };
      const body = JSON.parse(text) as { status?: string; queued?: boolean; session_id?: string };
      if (body.status === "accepted") {
        return { kind: "accepted", queued: body.queued === true, sessionId: String(body.session_id) };
      }
      if (body.status === "duplicate") return { kind: "duplicate" };
      return { kind: "failed", status: 200, error: text };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { kind: "failed", status: null, error: cause?.code ?? cause?.message ?? String(error) };
    }
  }

  /** Waits for the child to exit by itself (a crash point); after `timeoutMs` it is killed and this fails. */
  async waitForExit(timeoutMs = PATIENCE_MS): Promise<ChildExit> {
    const { code, signal } = await this.#tracked.waitForExit("the gateway child", timeoutMs);
    return { code, signal };
  }

  /** SIGTERM; resolves with how it exited (a clean drain exits 0). */
  async stop(timeoutMs = PATIENCE_MS): Promise<ChildExit> {
    this.#tracked.signal("SIGTERM");
    return this.waitForExit(timeoutMs);
  }

  /** Cleanup after a failed test: SIGKILL to the child's whole process group. */
  kill(): void {
    this.#tracked.killGroup();
  }
}
export { freePort };
