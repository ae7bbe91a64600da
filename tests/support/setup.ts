import { afterAll, afterEach, beforeEach } from "vitest";
import { killAllChildrenNow } from "./child-processes.js";
import { closeFileScope, closeTestScope, openTestScope } from "./cleanup.js";
import { removeAllTempDirsNow } from "./temp-dirs.js";

// Runs in every test file (vitest `setupFiles`): what a test leaves behind is disposed of after it,
// whether it passed, failed or timed out; what a beforeAll or a concurrent test made, after the file.
beforeEach(({ task }) => {
  if (!task.concurrent) openTestScope();
});

afterEach(async () => {
  await closeTestScope();
});

afterAll(async () => {
  await closeFileScope();
});

// A worker told to exit (vitest interrupted) still takes its children and folders with it.
process.once("exit", () => {
  killAllChildrenNow();
  removeAllTempDirsNow();
});
