import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { onCleanup } from "./cleanup.js";
import { commandLineOf, forgetGroup, killGroup, recordGroup } from "./test-run.js";
import { PATIENCE_MS } from "./wait.js";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildResult extends ChildExit {
  stdout: string;
  stderr: string;
}

/**
 * A child process a test started, in a process group of its own, so that killing it also kills
 * whatever it started in turn. It is killed by its owner's cleanup, by the test setup after each
 * test (or after the file, when a `beforeAll` started it) and, should the worker die, by the global
 * teardown of the run.
 */
export class TestChild {
  readonly child: ChildProcess;
  /** Settles when the process has exited and its output streams are closed. */
  readonly done: Promise<ChildResult>;
  #stdout = "";
  #stderr = "";

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr += chunk;
    });
    this.done = new Promise<ChildResult>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => {
        resolve({ code, signal, stdout: this.#stdout, stderr: this.#stderr });
      });
    });
    // A failed spawn rejects `done`; the owner sees it there, the process must not crash on it.
    this.done.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Sends `signal` to the child alone (a graceful stop is the child's own business). */
  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited) this.child.kill(signal);
  }

  /** SIGKILLs the whole process group, also when the leader has already exited. */
  killGroup(): void {
    if (this.child.pid !== undefined) killGroup(this.child.pid);
  }

  /** Kills the group and waits until the child is gone. */
  async dispose(): Promise<void> {
    this.killGroup();
    await this.done.catch(() => undefined);
  }

  /** Waits for the child to exit by itself; after `timeoutMs` it is killed and this fails with its output. */
  async waitForExit(what: string, timeoutMs = PATIENCE_MS): Promise<ChildResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.killGroup();
        reject(new Error(`${what} did not exit within ${timeoutMs} ms\n${this.#stdout}\n${this.#stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Children that run now. */
const running = new Set<TestChild>();

/**
 * Starts `command` in a new process group and tracks it until it exits. Output is collected
 * when stdout/stderr are pipes (the default).
 */
export function startChild(command: string, args: readonly string[], options: SpawnOptions = {}): TestChild {
  const child = new TestChild(spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options, detached: true }));
  const pid = child.pid;
  if (pid !== undefined) {
    recordGroup(pid, commandLineOf(pid) ?? [command, ...args].join(" "));
    running.add(child);
    const untrack = onCleanup(() => child.dispose());
    child.child.once("exit", () => {
      running.delete(child);
      forgetGroup(pid);
      // A group can outlive its leader (a grandchild), so the group is killed once more now.
      child.killGroup();
      untrack();
    });
  }
  return child;
}

/** Runs a child to completion within `timeoutMs` (then it is killed and this fails). */
export function runChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
  timeoutMs = PATIENCE_MS,
): Promise<ChildResult> {
  return startChild(command, args, options).waitForExit(`${command} ${args.join(" ")}`, timeoutMs);
}

/** The synchronous last resort when the worker exits: no waiting, only signals. */
export function killAllChildrenNow(): void {
  for (const child of running) child.killGroup();
}
