import { UsageError } from "../errors.js";
import { createAgentRuntime, turnDeps } from "./composition-root.js";
import { openExistingStore } from "./read-store.js";

/** `sessions compact ID`: summarizes the older part of a session with its Expert's model now. */
export async function compactSession(id: string): Promise<number> {
  const runtime = createAgentRuntime();
  const store = await openExistingStore(runtime.config, "fail");
  try {
    const session = await store.sessions.resolve(id);
    const context = turnDeps(runtime, store).context;
    if (!context) throw new UsageError("compaction is not available");
    const result = await context.compact(session, runtime.experts.forSession(session.expert), "cli:local");
    process.stdout.write(
      result.summaryId === undefined
        ? `${session.id} is short enough; nothing older to summarize\n`
        : `compacted ${session.id}: summary ${result.summaryId}; ${result.tokens} of ${result.budget} history tokens now (the transcript is kept)\n`,
    );
  } finally {
    await store.close();
  }
  return 0;
}
