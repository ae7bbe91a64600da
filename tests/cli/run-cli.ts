import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "vitest";
import type { entryJson, hitJson, sessionJson, usageJson } from "../../src/cli/output.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { type ChildResult, startChild, type TestChild } from "../support/child-processes.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";
import { PATIENCE_MS } from "../support/wait.js";

export { waitFor } from "../support/wait.js";

/** The built CLI; `npm run -s build` (or `npm test`) must have run first. */
export const CLI_PATH = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));

export type SessionJson = ReturnType<typeof sessionJson>;
export type EntryJson = ReturnType<typeof entryJson>;
export type HitJson = ReturnType<typeof hitJson>;
export type ShowJson = SessionJson & { usage: ReturnType<typeof usageJson>; messages: EntryJson[] };
/** One line of `run --json`. */
export type RunEvent = { type: string; [key: string]: unknown };

export type CliResult = ChildResult;

/** A child CLI process still running; `done` settles when it exits. */
export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  output(): { stdout: string; stderr: string };
  /** The process and its group, tracked and killed after the test (tests/support/setup.ts). */
  tracked: TestChild;
}

/** Environment overrides; `undefined` removes a variable from the child's environment. */
export type EnvOverrides = Record<string, string | undefined>;

/**
 * A temp directory that is the child's cwd and HOME and holds its database.
 * Its children and the directory go with `cleanup()`, or after the test at the latest.
 * The child's environment is built from scratch (only PATH is inherited), so
 * real OPENAI_*, GATEWAY_*, SLACK_* or TELEGRAM_* variables never leak in.
 */
export class CliSandbox {
  readonly dir: string;
  readonly db: string;
  readonly #base: Record<string, string>;
  readonly #children = new Set<TestChild>();

  constructor(modelUrl: string) {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run -s build" first`);
    this.dir = makeTempDir("gateway-cli-");
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
    const tracked = startChild(process.execPath, [CLI_PATH, ...args], {
      cwd: this.dir,
      env: this.env(overrides),
      stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    });
    this.#children.add(tracked);
    return {
      child: tracked.child,
      done: tracked.done,
      output: () => ({ stdout: tracked.stdout, stderr: tracked.stderr }),
      tracked,
    };
  }

  /**
   * Runs the CLI to completion; a child still running after `timeoutMs` is killed and the call fails.
   * At most one child per CPU runs at a time, so concurrent tests do not starve each other.
   */
  async run(args: string[], overrides: EnvOverrides = {}, timeoutMs = PATIENCE_MS): Promise<CliResult> {
    const release = await acquireSlot();
    try {
      return await this.spawn(args, overrides).tracked.waitForExit(`gateway ${args.join(" ")}`, timeoutMs);
    } finally {
      release();
    }
  }

  /** Kills every child of this sandbox (with its process group) and removes the directory. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.#children].map((child) => child.dispose()));
    removeTempDir(this.dir);
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
      await box.cleanup();
      await fake.stop();
    }
  },
});
