import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "vitest";
import type { entryJson, hitJson, sessionJson, usageJson } from "../../src/cli/output.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";

/** The built CLI; `npm run -s build` (or `npm test`) must have run first. */
export const CLI_PATH = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));

export type SessionJson = ReturnType<typeof sessionJson>;
export type EntryJson = ReturnType<typeof entryJson>;
export type HitJson = ReturnType<typeof hitJson>;
export type ShowJson = SessionJson & { usage: ReturnType<typeof usageJson>; messages: EntryJson[] };
/** One line of `run --json`. */
export type RunEvent = { type: string; [key: string]: unknown };

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child CLI process still running; `done` settles when it exits. */
export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  output(): { stdout: string; stderr: string };
}

/** Environment overrides; `undefined` removes a variable from the child's environment. */
export type EnvOverrides = Record<string, string | undefined>;

/**
 * A temp directory that is the child's cwd and HOME and holds its database.
 * The child's environment is built from scratch (only PATH is inherited), so
 * real OPENAI_*, GATEWAY_*, SLACK_* or TELEGRAM_* variables never leak in.
 */
export class CliSandbox {
  readonly dir: string;
  readonly db: string;
  readonly #base: Record<string, string>;

  constructor(modelUrl: string) {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run -s build" first`);
    this.dir = mkdtempSync(join(tmpdir(), "gateway-cli-"));
    this.db = join(this.dir, "db", "gateway.db");
    this.#base = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: this.dir,
      OPENAI_BASE_URL: modelUrl,
      GATEWAY_MODEL: "fake-model",
      GATEWAY_DB: this.db,
      LOG_LEVEL: "silent",
    };
  }

  env(overrides: EnvOverrides = {}): Record<string, string> {
    const env: Record<string, string> = { ...this.#base };
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    return env;
  }

  /** Starts the CLI; with `stdin: "pipe"` the test writes its standard input (`child.stdin`). */
  spawn(args: string[], overrides: EnvOverrides = {}, options: { stdin?: "ignore" | "pipe" } = {}): RunningCli {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: this.dir,
      env: this.env(overrides),
      stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const done = new Promise<CliResult>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    return { child, done, output: () => ({ stdout, stderr }) };
  }

  /**
   * Runs the CLI to completion; a child still running after `timeoutMs` is killed and the call fails.
   * At most one child per CPU runs at a time, so concurrent tests do not starve each other.
   */
  async run(args: string[], overrides: EnvOverrides = {}, timeoutMs = 15_000): Promise<CliResult> {
    const release = await acquireSlot();
    try {
      return await this.#runNow(args, overrides, timeoutMs);
    } finally {
      release();
    }
  }

  async #runNow(args: string[], overrides: EnvOverrides, timeoutMs: number): Promise<CliResult> {
    const running = this.spawn(args, overrides);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        running.child.kill("SIGKILL");
        const { stdout, stderr } = running.output();
        reject(new Error(`gateway ${args.join(" ")} did not exit in ${timeoutMs} ms\n${stdout}\n${stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([running.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let freeSlots = Math.max(2, availableParallelism());
const waiting: (() => void)[] = [];

async function acquireSlot(): Promise<() => void> {
  if (freeSlots > 0) freeSlots--;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  return () => {
    const next = waiting.shift();
    if (next) next();
    else freeSlots++;
  };
}

/** Parses stdout that must be exactly one JSON document. */
export function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Parses stdout that must be one JSON object per line. */
export function parseJsonLines(stdout: string): RunEvent[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as RunEvent);
}

/** The non-empty lines of a stream. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (listen on 0, read it, close).
 * Never the same port twice in one test process: the kernel readily hands a
 * just-closed port out again, and concurrent tests must not collide.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    if (!handedOut.has(address.port)) {
      handedOut.add(address.port);
      return address.port;
    }
  }
}

/** The shortest prefix of `id` that no other id shares (at least 2 characters, as the CLI requires). */
export function uniquePrefix(id: string, others: string[]): string {
  for (let length = 2; length < id.length; length++) {
    const prefix = id.slice(0, length);
    if (!others.some((other) => other !== id && other.startsWith(prefix))) return prefix;
  }
  return id;
}

/** What each test gets: its own fake model endpoint and its own sandbox, so tests can run concurrently. */
export interface CliFixture {
  fake: FakeOpenAi;
  box: CliSandbox;
}

export const cliTest = test.extend<{ cli: CliFixture }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures must destructure their first argument
  cli: async ({}, use) => {
    const fake = await new FakeOpenAi().start();
    const box = new CliSandbox(fake.url);
    try {
      await use({ fake, box });
    } finally {
      box.cleanup();
      await fake.stop();
    }
  },
});
