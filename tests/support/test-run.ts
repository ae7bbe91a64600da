import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * One folder per `vitest run`, made by the global setup: it is the tests' TMPDIR (so every temp
 * folder a test or its children make lands inside it) and holds a registry of the process groups
 * the tests started, one file per group. Whatever a worker could not clean up (it was killed, a
 * test timed out mid-way) the global teardown, or the next run, removes from here.
 */
export const RUN_DIR_VARIABLE = "CHAT_GATEWAY_TEST_RUN";

/** The prefix of every run folder in the system temp folder, so a later run finds stale ones. */
export const RUN_DIR_PREFIX = "chat-gateway-test-run-";

/** The run folder of this test process, or undefined when vitest ran without the global setup. */
export function runDir(): string | undefined {
  return process.env[RUN_DIR_VARIABLE];
}

function groupsDir(run: string): string {
  return join(run, "process-groups");
}

/** Records a process group leader, with its command line so a stale record never kills a stranger. */
export function recordGroup(pid: number, commandLine: string): void {
  const run = runDir();
  if (!run) return;
  mkdirSync(groupsDir(run), { recursive: true });
  writeFileSync(join(groupsDir(run), String(pid)), commandLine);
}

export function forgetGroup(pid: number): void {
  const run = runDir();
  if (run) rmSync(join(groupsDir(run), String(pid)), { force: true });
}

/**
 * SIGKILLs every process group recorded in `run` whose leader still runs the recorded command
 * (a pid the system reused for another program is left alone); returns how many it killed.
 */
export function killRecordedGroups(run: string): number {
  let killed = 0;
  let names: string[];
  try {
    names = readdirSync(groupsDir(run));
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = Number(name);
    const recorded = readFileSync(join(groupsDir(run), name), "utf8");
    if (Number.isInteger(pid) && commandLineOf(pid) === recorded && killGroup(pid)) killed++;
    rmSync(join(groupsDir(run), name), { force: true });
  }
  return killed;
}

/** SIGKILLs the process group led by `pid`; false when no such group is left. */
export function killGroup(pid: number): boolean {
  try {
    process.kill(-pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/** The command line of a running process as `/proc` shows it (arguments joined by spaces). */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return undefined;
  }
}
