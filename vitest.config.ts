import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    setupFiles: ["tests/support/setup.ts"],
    // Outer limits only, generous for a busy 2-core machine: tests await conditions
    // (tests/support/wait.ts) and assert behaviour, never speed; bench/ measures time.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    pool: "forks",
    // Most tests wait on child processes and sockets, not the CPU: more workers than cores pay off.
    maxWorkers: 3,
  },
});
