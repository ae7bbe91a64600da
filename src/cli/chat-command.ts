import { UsageError } from "../errors.js";
import { createLogger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { Session } from "../store/types.js";
import { type AgentRuntime, createAgentRuntime, createCliSession, createTerminalGateway } from "./composition-root.js";
import { openConfiguredStore } from "./configured-store.js";

export interface ChatOptions {
  expert?: string;
  session?: string;
}

/**
 * `gateway chat`: a conversation in the terminal through the same core as
 * every channel — queue, modes, commands, streaming. It works on its own
 * conversation only, so it runs beside `gateway start` on the same database.
 */
export async function chatCommand(options: ChatOptions): Promise<number> {
  const runtime = createAgentRuntime();
  const logger = createLogger(runtime.config.logLevel === "info" ? "warn" : runtime.config.logLevel);
  const store = await openConfiguredStore(runtime.config);
  try {
    const session = await pickSession(store, runtime, options);
    let inputEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      inputEnded = resolve;
    });
    const gateway = await createTerminalGateway(runtime, store, { session, logger, onInputEnd: () => inputEnded() });
    process.stderr.write(
      `chat-gateway · session ${session.id} · Expert ${session.expert} · /help for commands, Ctrl-D to leave\n`,
    );
    await gateway.start();
    await Promise.race([ended, new Promise<void>((resolve) => process.once("SIGINT", () => resolve()))]);
    // Piped input: answer everything that was typed before leaving.
    await untilIdle(store, session.conversationKey);
    await gateway.stop(2000);
    // /new or /resume may have moved the conversation to another session.
    const last = (await store.sessions.current(session.conversationKey))?.id ?? session.id;
    process.stderr.write(`session ${last} saved; continue it with: gateway chat --session ${last}\n`);
    return 0;
  } finally {
    await runtime.mcp.close();
    await store.close();
  }
}

async function pickSession(store: Store, runtime: AgentRuntime, options: ChatOptions): Promise<Session> {
  if (options.session !== undefined) {
    const session = await store.sessions.resolve(options.session);
    if (session.channel !== "cli") {
      throw new UsageError(`session ${session.id} belongs to ${session.channel}; only CLI sessions continue here`);
    }
    if (options.expert) await store.sessions.setExpert(session.id, runtime.experts.require(options.expert).name);
    return store.sessions.makeCurrent(session.id);
  }
  return createCliSession(store, runtime.experts.require(options.expert ?? "default").name, null);
}

async function untilIdle(store: Store, conversationKey: string): Promise<void> {
  for (;;) {
    const current = await store.sessions.current(conversationKey);
    const waiting = current
      ? (await store.queue.queued(current.id)).length > 0 || (await store.queue.isRunning(current.id))
      : false;
    const unsent = (await store.outbox.list({ conversationKey })).some(
      (row) => row.state === "pending" || row.state === "sending",
    );
    if (!waiting && !unsent) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
