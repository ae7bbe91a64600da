import { runTurn, type TurnEvent } from "../agent/agent-loop.js";
import type { FileSink } from "../agent/file-sink.js";
import { gateTools, type ToolGate } from "../agent/tool-gate.js";
import { selectTools } from "../agent/tool-selection.js";
import { describeError, UsageError } from "../errors.js";
import type { Expert } from "../experts/expert-registry.js";
import { defaultFileLimits, FileFolder } from "../files/file-folder.js";
import { newOwnerId } from "../gateway/process-owner.js";
import { runSessionTurn } from "../gateway/turn-runner.js";
import { systemClock } from "../ids.js";
import type { Store } from "../store/store.js";
import type { Session } from "../store/types.js";
import { type CliApprovalMode, cliGate, ephemeralGate } from "./cli-approvals.js";
import { type AgentRuntime, createAgentRuntime, createCliSession, turnDeps } from "./composition-root.js";
import { openConfiguredStore } from "./configured-store.js";
import { describeModelFailure } from "./model-failure.js";
import { oneLine, printJson } from "./output.js";

export interface RunOptions {
  prompt: string;
  expert?: string;
  continue?: boolean;
  session?: string;
  /** commander turns `--no-session` into `session: false`. */
  noSession?: boolean;
  json?: boolean;
  /** Fail at once when another turn runs in the session, instead of waiting for it. */
  noWait?: boolean;
  /** Tool calls under `ask`: `--approve` runs them, `--deny-all` (the default) denies them with a line. */
  approvals?: CliApprovalMode;
}

const LEASE_MS = 30_000;

/** `gateway run -p TEXT`: one turn, streamed to stdout, stored unless `--no-session`. */
export async function runCommand(options: RunOptions): Promise<number> {
  if ([options.continue, options.session !== undefined, options.noSession].filter(Boolean).length > 1) {
    throw new UsageError("use only one of --continue, --session ID and --no-session");
  }
  if (options.prompt.trim() === "") throw new UsageError("the prompt (-p) is empty");
  const approvals = options.approvals ?? "deny";
  const runtime = createAgentRuntime();
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    if (options.noSession) {
      const expert = runtime.experts.require(options.expert ?? "default");
      const events = ephemeralTurn(runtime, expert, options.prompt, abort.signal, ephemeralGate(approvals));
      return await print(events, options.json ?? false, null, runtime.config.model.baseUrl);
    }
    const store = await openConfiguredStore(runtime.config);
    try {
      const session = await pickSession(store, runtime, options);
      const expert = runtime.experts.forSession(session.expert);
      const events = runSessionTurn(turnDeps(runtime, store), {
        session,
        expert,
        sendFile: cliFileSink(runtime.config.db, options.json ?? false),
        entries: [{ kind: "user", content: options.prompt }],
        signal: abort.signal,
        userId: "cli:local",
        gateFor: (turnId) => cliGate(store, { sessionId: session.id, turnId }, approvals),
        lease: {
          owner: newOwnerId(),
          leaseMs: LEASE_MS,
          wait: !options.noWait,
          signal: abort.signal,
          onWait: (busy) =>
            process.stderr.write(
              `waiting: session ${session.id} is answering another turn (turn ${busy.turnId}); this one starts when it ends (--no-wait fails instead)\n`,
            ),
        },
      });
      return await print(events, options.json ?? false, session.id, runtime.config.model.baseUrl);
    } finally {
      await store.close();
    }
  } finally {
    process.off("SIGINT", onSigint);
    await runtime.mcp.close();
  }
}

/** `send_file` in the terminal: the file is written beside the database and its path printed. */
function cliFileSink(databasePath: string, json: boolean): FileSink {
  const folder = new FileFolder(databasePath, defaultFileLimits, "downloads");
  return async (file) => {
    const stored = folder.save(file.name, file.mimeType, file.bytes);
    if (json) printJson({ type: "file", name: stored.name, path: stored.path, size: stored.size });
    else process.stderr.write(`file: ${stored.path}\n`);
    return `${stored.name} was saved for the user at ${stored.path}`;
  };
}

async function pickSession(store: Store, runtime: AgentRuntime, options: RunOptions): Promise<Session> {
  let session: Session | undefined;
  if (options.session !== undefined) session = await store.sessions.resolve(options.session);
  if (options.continue) {
    [session] = await store.sessions.list({ states: ["active", "inactive"], origin: "cli", limit: 1 });
    if (!session) throw new UsageError("there is no CLI session to continue; run without --continue first");
  }
  if (session) {
    if (options.expert && options.expert !== session.expert) {
      runtime.experts.require(options.expert);
      session = await store.sessions.setExpert(session.id, options.expert);
    }
    if (session.state === "archived") session = await store.sessions.unarchive(session.id);
    return session;
  }
  const expert = runtime.experts.require(options.expert ?? "default");
  return createCliSession(store, expert.name, oneLine(options.prompt, 60));
}

async function* ephemeralTurn(
  runtime: AgentRuntime,
  expert: Expert,
  prompt: string,
  signal: AbortSignal,
  gate: ToolGate,
) {
  const external = await runtime.mcp.toolsFor(expert.tools, signal);
  yield* runTurn(runtime.model, {
    model: expert.model,
    instructions: [expert.instructions, ...external.notes].filter((part) => part.trim() !== "").join("\n\n"),
    history: [{ role: "user", content: prompt }],
    tools: gateTools(
      selectTools(expert.tools, expert.toolPolicies, [...runtime.tools.values(), ...external.tools]),
      expert.toolPolicies,
      gate,
    ),
    vision: expert.vision,
    maxSteps: expert.maxSteps,
    ...(expert.temperature !== undefined ? { temperature: expert.temperature } : {}),
    signal,
    idleTimeoutMs: runtime.config.model.timeoutMs,
    maxReplyChars: runtime.config.model.maxReplyChars,
    toolContext: { sessionId: undefined, expert: expert.name, now: systemClock },
  });
}

async function print(
  events: AsyncIterable<TurnEvent | { type: "turn"; turnId: number }>,
  json: boolean,
  sessionId: string | null,
  baseUrl: string,
): Promise<number> {
  let turnId: number | null = null;
  let wroteText = false;
  for await (const event of events) {
    switch (event.type) {
      case "turn":
        turnId = event.turnId;
        break;
      case "text":
        if (json) printJson({ type: "text", delta: event.delta });
        else process.stdout.write(event.delta);
        wroteText = true;
        break;
      case "tool_call":
        if (json)
          printJson({ type: "tool_call", id: event.call.id, name: event.call.name, arguments: event.call.arguments });
        break;
      case "tool_result":
        if (json) {
          const { result } = event;
          printJson({
            type: "tool_result",
            id: event.call.id,
            name: event.call.name,
            ok: result.ok,
            content: result.ok ? result.content : result.error,
          });
        }
        break;
      case "usage":
        if (json) {
          printJson({
            type: "usage",
            prompt_tokens: event.promptTokens,
            completion_tokens: event.completionTokens,
            estimated: event.estimated,
          });
        }
        break;
      case "done":
        if (json) printJson({ type: "done", session_id: sessionId, turn_id: turnId, text: event.text });
        else if (wroteText) process.stdout.write("\n");
        return 0;
      case "error":
        if (json) printJson({ type: "error", code: event.error.code, message: describeError(event.error) });
        else if (wroteText) process.stdout.write("\n");
        process.stderr.write(`error: ${describeModelFailure(event.error, baseUrl)}\n`);
        return event.error.code === "MODEL_ABORTED" ? 130 : 1;
      case "waiting":
        if (json) printJson({ type: "waiting", retry_at: new Date(event.retryAt).toISOString() });
        else
          process.stderr.write(
            `(the model asked us to wait; trying again at ${new Date(event.retryAt).toISOString()})\n`,
          );
        break;
      case "step":
        break;
    }
  }
  return 0;
}
