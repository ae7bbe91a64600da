import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FaultPoint } from "../../src/gateway/fault-points.js";
// One port picker for every test process, so concurrent tests are never handed the same port.
import { freePort } from "../cli/run-cli.js";

/** The built CLI; `npm run -s build` (or `npm test`) must have run first. */
export const CLI_PATH = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

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

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    }
    await sleep(20);
  }
}

/** A temp directory for one test: HOME and the database of every gateway life it starts. */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), "gateway-crash-"));
  readonly db = join(this.dir, "gw.db");

  constructor() {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run -s build" first`);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs the built CLI with these arguments to completion (for `run -p`, `sessions ...`). */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<ChildExit & { stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await new Promise<ChildExit>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  return { ...exit, stdout, stderr };
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
  #output = "";

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
    const collect = (chunk: string) => {
      this.#output += chunk;
    };
    child.stdout?.setEncoding("utf8").on("data", collect);
    child.stderr?.setEncoding("utf8").on("data", collect);
    this.exited = new Promise<ChildExit>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
  }

  /**
   * Starts a gateway and waits for `GET /healthz` 200. With `mayDie` a child
   * that exits first (a crash point reached during start-up) is returned
   * as it is; otherwise that fails.
   */
  static async start(options: GatewayEnv & { mayDie?: boolean }): Promise<ChildGateway> {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI_PATH, "start"], {
      cwd: options.home,
      env: gatewayEnv(options, port),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const gateway = new ChildGateway(child, port);
    await waitFor(
      async () => {
        if (gateway.hasExited) {
          if (options.mayDie) return true;
          throw new Error(`gateway exited during start-up (${JSON.stringify(gateway.exitState)}):\n${gateway.output}`);
        }
        const health = await fetch(`${gateway.url}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(
          () => undefined,
        );
        return health?.status === 200;
      },
      () => `GET /healthz of the gateway child\n${gateway.output}`,
      10_000,
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
        signal: AbortSignal.timeout(5000),
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

  /** Waits for the child to exit by itself (a crash point), failing after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<ChildExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`gateway child did not exit within ${timeoutMs} ms\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM; resolves with how it exited (a clean drain exits 0). */
  async stop(timeoutMs = 15_000): Promise<ChildExit> {
    if (!this.hasExited) this.child.kill("SIGTERM");
    return this.waitForExit(timeoutMs);
  }

  /** Cleanup after a failed test: SIGKILL if still running. */
  kill(): void {
    if (!this.hasExited) this.child.kill("SIGKILL");
  }
}

export { freePort };
