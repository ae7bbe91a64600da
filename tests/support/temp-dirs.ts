import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onCleanup } from "./cleanup.js";

const made = new Set<string>();

/**
 * A new temp folder, removed after the test that made it (or after the file), also when the test
 * fails or times out. It lies inside the run folder (the tests' TMPDIR), which the global teardown
 * removes as a whole should a worker die first.
 */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  onCleanup(() => removeTempDir(dir));
  return dir;
}

/** Removes a temp folder now (an owner that is done with it early); removing twice is harmless. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}

/** The synchronous last resort when the worker exits. */
export function removeAllTempDirsNow(): void {
  for (const dir of made) removeTempDir(dir);
}
