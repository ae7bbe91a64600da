import { runTurn, type TurnEvent, toolMessageContent } from "../agent/agent-loop.js";
import type { RetryPolicy } from "../agent/backoff.js";
import type { FileSink } from "../agent/file-sink.js";
import { imagesOf, toChatMessages } from "../agent/history.js";
import type { ChatMessage, ModelClient, ToolCall } from "../agent/messages.js";
import { gateTools, type ToolGate } from "../agent/tool-gate.js";
import { selectTools } from "../agent/tool-selection.js";
import type { ToolSource } from "../agent/tool-source.js";
import { runToolCall, type Tool, type ToolContext, type ToolResult, wireNameOf } from "../agent/tools.js";
import { BudgetError, describeError, ModelError } from "../errors.js";
import type { Expert } from "../experts/expert-registry.js";
import type { FileFolder } from "../files/file-folder.js";
import type { Clock } from "../ids.js";
import type { PreparedTurn, TurnContext } from "../memory/turn-context.js";
import type { Store } from "../store/store.js";
import type { NewOutbox, NewTranscriptEntry, Session, UsageEntry } from "../store/types.js";
import { faultPoint } from "./fault-points.js";
import { heldCalls } from "./held-tool-calls.js";
import { openLeasedTurn, type TurnLease } from "./session-turn-lease.js";

export interface TurnRunnerDeps {
  store: Store;
  model: ModelClient;
  tools: ReadonlyMap<string, Tool>;
  /** The folder beside the database where files sent to chats wait for their upload. */
  files?: FileFolder;
  /** Tools from MCP servers, offered to Experts whose `tools` name their server. */
  toolSource?: ToolSource;
  idleTimeoutMs: number;
  /** The longest answer a model call may give (default 20,000 characters). */
  maxReplyChars?: number;
  clock: Clock;
  retry?: RetryPolicy;
  /** Memories, memory and session tools, compaction and budgets; without it a turn sends the whole transcript. */
  context?: TurnContext;
}

/** Where a channel turn's answer goes; the CLI prints instead and passes none. */
export type AnswerRoute = Omit<NewOutbox, "kind" | "text" | "sessionId">;

export interface StoredTurnInput {
  session: Session;
  expert: Expert;
  turnId: number;
  signal?: AbortSignal;
  userId?: string | null;
  triggerName?: string | null;
  takeSteering?: () => Promise<ChatMessage[]>;
  /** Where `send_file` puts files (the chat's outbox, or a CLI that prints their paths). */
  sendFile?: FileSink;
  /** Where the answer goes, asked for when the turn completes (a preview may have become its first part). */
  answer?: (outcome: "completed" | "failed") => Promise<AnswerRoute>;
  /** Decides calls of tools under `ask` (a person in chat, a rule); without one they are denied. */
  gate?: ToolGate;
  /** Taken over from a stopped process: calls it left waiting for approval are decided and run first. */
  resumed?: boolean;
}

/** Where nobody can decide: calls of tools under `ask` are denied, and the model is told why. */
const nobodyDecides: ToolGate = {
  check: async () => ({
    run: false,
    result: { ok: false, error: "denied: this tool needs approval, and nobody can approve it here" },
  }),
};

/** A turn event, plus the id of the stored turn once it exists. */
export type SessionTurnEvent = TurnEvent | { type: "turn"; turnId: number };

/**
 * Runs a turn already opened in the store, from the stored transcript. Each
 * step with tool calls and each tool result is stored as it happens; the final
 * answer, the usage, the reply and "answered" commit together when it
 * completes. A cancelled turn (`MODEL_ABORTED`) is left for the caller to end.
 */
export async function* runStoredTurn(deps: TurnRunnerDeps, input: StoredTurnInput): AsyncGenerator<TurnEvent> {
  const { store } = deps;
  const { session, expert, turnId } = input;
  const external = deps.toolSource
    ? await deps.toolSource.toolsFor(expert.tools, input.signal)
    : { tools: [], notes: [] as string[] };
  const ownTools = selectTools(expert.tools, expert.toolPolicies, [...deps.tools.values(), ...external.tools]);
  const gate = input.gate ?? nobodyDecides;
  const toolContext: Omit<ToolContext, "signal"> = {
    sessionId: session.id,
    expert: expert.name,
    userId: input.userId ?? null,
    now: deps.clock,
    ...(input.sendFile ? { sendFile: input.sendFile } : {}),
    toolImage: async (toolCallId) => {
      const entries = await store.transcript.list(session.id);
      const row = entries.find((entry) => entry.kind === "tool_result" && entry.toolCallId === toolCallId);
      return row ? imagesOf(row.attachments)[0] : undefined;
    },
  };
  // Calls a stopped process left waiting for approval are decided and run first, as they were asked.
  const held = input.resumed ? await heldCalls(store, session.id, turnId) : [];
  if (held.length > 0) {
    const byWireName = new Map(gateTools(ownTools, expert.toolPolicies, gate).map((tool) => [wireNameOf(tool), tool]));
    const signal = input.signal ?? new AbortController().signal;
    for (const { call, step } of held) {
      const result = await runToolCall(call, byWireName, { ...toolContext, signal });
      if (signal.aborted) {
        // Ended like a cancelled model call, so a stop or a shutdown is handled as anywhere else.
        yield {
          type: "error",
          error: new ModelError("MODEL_ABORTED", "the turn was cancelled", { cause: signal.reason }),
        };
        return;
      }
      await store.transcript.append(session.id, [toolResultEntry(turnId, step, call, result, expert.name)]);
      faultPoint("after-tool-result");
    }
  }
  const prepared: PreparedTurn = deps.context
    ? await deps.context.prepare({
        session,
        expert,
        userId: input.userId ?? null,
        triggerName: input.triggerName ?? null,
        turnId,
        tools: ownTools,
        ...(input.signal ? { signal: input.signal } : {}),
      })
    : {
        instructions: expert.instructions,
        tools: ownTools,
        history: toChatMessages(await store.transcript.list(session.id), { vision: expert.vision }),
        refit: async () => undefined,
      };
  let usage = { promptTokens: 0, completionTokens: 0, estimated: false };
  let finalStep: NewTranscriptEntry[] = [];
  const ledger = () => ({
    sessionId: session.id,
    turnId,
    expert: expert.name,
    model: expert.model,
    userId: input.userId ?? null,
    triggerName: input.triggerName ?? null,
    ...usage,
  });
  if (prepared.refusal) {
    yield* refuse(deps, input, prepared.refusal);
    return;
  }
  for await (const event of runTurn(deps.model, {
    model: expert.model,
    instructions: [prepared.instructions, ...external.notes].filter((part) => part.trim() !== "").join("\n\n"),
    history: prepared.history,
    tools: gateTools(prepared.tools, expert.toolPolicies, gate),
    vision: expert.vision,
    maxSteps: expert.maxSteps,
    ...(expert.temperature !== undefined ? { temperature: expert.temperature } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    idleTimeoutMs: deps.idleTimeoutMs,
    ...(deps.maxReplyChars !== undefined ? { maxReplyChars: deps.maxReplyChars } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
    toolContext,
    ...(input.takeSteering ? { takeSteering: input.takeSteering } : {}),
    refit: prepared.refit,
  })) {
    if (event.type === "step") {
      const entries = stepEntries(turnId, expert.name, event);
      // The final step is stored with the turn's completion, so "answered" and the answer commit together.
      if (event.toolCalls.length === 0) finalStep = entries;
      else await store.transcript.append(session.id, entries);
    } else if (event.type === "tool_result") {
      await store.transcript.append(session.id, [
        toolResultEntry(turnId, event.step, event.call, event.result, expert.name),
      ]);
      faultPoint("after-tool-result");
    } else if (event.type === "usage") {
      usage = event;
    } else if (event.type === "done") {
      const text = event.text.trim() === "" ? "(The model returned an empty answer.)" : event.text;
      await store.turns.finish(turnId, "completed", {
        entries: finalStep,
        usage: ledger(),
        ...(input.answer
          ? { answer: { ...(await input.answer("completed")), sessionId: session.id, kind: "answer", text } }
          : {}),
      });
    } else if (event.type === "error" && event.error.code !== "MODEL_ABORTED") {
      const hasUsage = usage.promptTokens + usage.completionTokens > 0;
      await store.turns.finish(turnId, "failed", {
        error: describeError(event.error),
        ...(hasUsage ? { usage: ledger() } : {}),
        ...(input.answer
          ? {
              answer: {
                ...(await input.answer("failed")),
                sessionId: session.id,
                kind: "error",
                text: `Sorry, I could not answer: ${describeError(event.error)}. Send your message again to retry.`,
              },
            }
          : {}),
      });
    }
    yield event;
  }
}

/** A turn refused before it ran (a spent budget): answered with the reason, no model call. */
async function* refuse(deps: TurnRunnerDeps, input: StoredTurnInput, reason: string): AsyncGenerator<TurnEvent> {
  await deps.store.turns.finish(input.turnId, "failed", {
    error: "budget spent",
    ...(input.answer
      ? {
          answer: {
            ...(await input.answer("failed")),
            sessionId: input.session.id,
            kind: "error",
            text: reason,
          },
        }
      : {}),
  });
  yield { type: "error", error: new BudgetError(reason) };
}

export interface SessionTurnInput extends Omit<StoredTurnInput, "turnId"> {
  /** The user messages this turn answers; stored with the turn when it opens. */
  entries: NewTranscriptEntry[];
  /**
   * Take the session's per-session lease: the turn opens only once no other
   * runs there, and the lease is renewed while it runs (the CLI's path).
   */
  lease?: TurnLease;
  /** The gate of the turn once it is open (it records its decisions with the turn). */
  gateFor?: (turnId: number) => ToolGate;
}

/** Opens a turn with its user messages and runs it (the CLI's path; channels go through the queue). */
export async function* runSessionTurn(deps: TurnRunnerDeps, input: SessionTurnInput): AsyncGenerator<SessionTurnEvent> {
  const opening = {
    sessionId: input.session.id,
    expert: input.expert.name,
    model: input.expert.model,
    entries: input.entries.map((entry) => ({ ...entry, expert: input.expert.name })),
  };
  const { lease } = input;
  const turn = lease ? await openLeasedTurn(deps.store, opening, lease) : await deps.store.turns.start(opening);
  const renewal = lease
    ? setInterval(() => {
        deps.store.leases.renewLeases(lease.owner, lease.leaseMs).catch(() => undefined);
      }, lease.leaseMs / 3)
    : undefined;
  try {
    yield { type: "turn", turnId: turn.id };
    yield* runOpenedTurn(deps, input, turn.id);
  } finally {
    clearInterval(renewal);
  }
}

/** Runs a turn `runSessionTurn` opened; a turn left without an ending is marked interrupted. */
async function* runOpenedTurn(
  deps: TurnRunnerDeps,
  input: SessionTurnInput,
  turnId: number,
): AsyncGenerator<SessionTurnEvent> {
  let ended = false;
  let usage: UsageEntry | undefined;
  try {
    const gate = input.gateFor?.(turnId) ?? input.gate;
    for await (const event of runStoredTurn(deps, { ...input, turnId, ...(gate ? { gate } : {}) })) {
      if (event.type === "done" || event.type === "error") ended = true;
      if (event.type === "usage") {
        usage = {
          sessionId: input.session.id,
          turnId: turnId,
          expert: input.expert.name,
          model: input.expert.model,
          userId: input.userId ?? null,
          promptTokens: event.promptTokens,
          completionTokens: event.completionTokens,
          estimated: event.estimated,
        };
      }
      if (event.type === "error" && event.error.code === "MODEL_ABORTED") {
        await deps.store.turns.finish(turnId, "cancelled", {
          error: describeError(event.error),
          ...(usage ? { usage } : {}),
        });
      }
      yield event;
    }
  } finally {
    if (!ended) await deps.store.turns.finish(turnId, "interrupted", { error: "the turn was abandoned" });
  }
}

/** A tool call's result as its transcript row. */
function toolResultEntry(
  turnId: number,
  step: number,
  call: ToolCall,
  result: ToolResult,
  expert: string,
): NewTranscriptEntry {
  return {
    kind: "tool_result",
    turnId,
    step,
    toolCallId: call.id,
    toolName: call.name,
    toolOk: result.ok,
    content: toolMessageContent(result),
    expert,
    attachments: imageAttachments(result),
  };
}

/** Images a tool returned, stored with its result row so a rebuilt history shows them again. */
function imageAttachments(result: ToolResult): string | null {
  if (!result.ok || !result.images || result.images.length === 0) return null;
  return JSON.stringify(
    result.images.map((image, index) => ({
      kind: "image",
      name: `tool-image-${index + 1}`,
      mimeType: image.mimeType,
      size: Math.floor((image.data.length * 3) / 4),
      data: image.data,
    })),
  );
}

function stepEntries(
  turnId: number,
  expert: string,
  event: Extract<TurnEvent, { type: "step" }>,
): NewTranscriptEntry[] {
  const entries: NewTranscriptEntry[] = [];
  if (event.text || event.toolCalls.length === 0) {
    entries.push({ kind: "assistant", turnId, step: event.step, content: event.text, expert });
  }
  for (const call of event.toolCalls) {
    entries.push({
      kind: "tool_call",
      turnId,
      step: event.step,
      toolCallId: call.id,
      toolName: call.name,
      content: call.arguments,
      expert,
    });
  }
  return entries;
}
