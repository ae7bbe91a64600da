import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killRecordedGroups, RUN_DIR_PREFIX, RUN_DIR_VARIABLE } from "./test-run.js";

/**
 * Runs once per `vitest run`, in the main process: makes the run folder, points every worker's
 * TMPDIR into it, and at the end (also after an interrupted run) kills every process group the
 * tests recorded and removes the folder. Folders of earlier runs whose vitest is gone (killed
 * with -9) are cleaned up first.
 */
export default function setup(): () => void {
  const systemTemp = tmpdir();
  removeStaleRuns(systemTemp);
  const run = mkdtempSync(join(systemTemp, `${RUN_DIR_PREFIX}${process.pid}-`));
  mkdirSync(join(run, "tmp"));
  // Like the system temp folder itself: tests that run a child as another user (nobody) reach their folders.
  chmodSync(run, 0o755);
  chmodSync(join(run, "tmp"), 0o1777);
  process.env[RUN_DIR_VARIABLE] = run;
  process.env.TMPDIR = join(run, "tmp");
  const teardown = () => {
    killRecordedGroups(run);
    rmSync(run, { recursive: true, force: true });
  };
  process.once("exit", teardown);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      teardown();
      // Vitest's own handler, if it has one, ends the run; otherwise the signal does as it would have.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  return teardown;
}

function removeStaleRuns(systemTemp: string): void {
  for (const name of readdirSync(systemTemp)) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const owner = Number(name.slice(RUN_DIR_PREFIX.length).split("-")[0]);
    if (Number.isInteger(owner) && isAlive(owner)) continue;
    const run = join(systemTemp, name);
    killRecordedGroups(run);
    rmSync(run, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
