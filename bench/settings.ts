const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Sizes of the bench; the environment variables exist for quick trial runs. */
export const settings = {
  runs: setting("BENCH_RUNS", 3),
  ingressMessages: setting("BENCH_MESSAGES", 2000),
  concurrency: setting("BENCH_CONCURRENCY", 16),
  pacedPerSecond: 1000,
  pacedMessages: setting("BENCH_PACED", 2000),
  turns: setting("BENCH_TURNS", 1000),
  overheadTurns: setting("BENCH_OVERHEAD_TURNS", 200),
  overheadSlots: 1,
  streaming: setting("BENCH_STREAMING", 2000),
  storedSessions: setting("BENCH_SESSIONS", 100_000),
  memoryTurns: 200,
};

export type Settings = typeof settings;
