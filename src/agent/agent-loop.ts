import { GatewayError, ModelError } from "../errors.js";
import { ANNOUNCE_AFTER_MS, defaultRetryPolicy, MAX_TOTAL_WAIT_MS, type RetryPolicy, retryDelay } from "./backoff.js";
import type { ChatMessage, ModelClient, ModelRequest, ToolCall } from "./messages.js";
import { cutNote, DEFAULT_MAX_REPLY_CHARS, fitDelta } from "./reply-limit.js";
import { ThinkFilter } from "./think-filter.js";
import { estimateTokens } from "./token-estimate.js";
import { toolImagesMessage } from "./tool-images.js";
import {
  runToolCall,
  type Tool,
  type ToolContext,
  type ToolImage,
  type ToolResult,
  toToolSpec,
  wireNameOf,
} from "./tools.js";

/** What a turn reports as it runs. `done` and `error` are final. */
export type TurnEvent =
  | { type: "text"; delta: string }
  | { type: "step"; step: number; text: string; toolCalls: ToolCall[] }
  | { type: "tool_call"; step: number; call: ToolCall }
  | { type: "tool_result"; step: number; call: ToolCall; result: ToolResult }
  | { type: "usage"; promptTokens: number; completionTokens: number; estimated: boolean }
  /** The model endpoint asked for a long wait (over 30 s): the next try is at `retryAt` (epoch ms). */
  | { type: "waiting"; retryAt: number; delayMs: number; reason: string }
  | { type: "done"; text: string; steps: number }
  | { type: "error"; error: GatewayError };

export interface TurnInput {
  model: string;
  /** The Expert's instructions, sent as the system message. */
  instructions: string;
  /** The conversation so far, ending with what this turn answers. */
  history: ChatMessage[];
  tools: readonly Tool[];
  /** The model takes images: images tools return are shown to it, not just named. */
  vision?: boolean;
  /** Model calls that may request tools; one more call without tools forces an answer. */
  maxSteps: number;
  temperature?: number;
  /** Cancels the turn (the `stop` command, shutdown). */
  signal?: AbortSignal;
  /** A model call that sends nothing for this long fails. */
  idleTimeoutMs: number;
  /**
   * The longest text one model call may produce (default 20,000 characters): there the request is
   * aborted and the text so far, with a note that it was cut, becomes the answer.
   */
  maxReplyChars?: number;
  retry?: RetryPolicy;
  toolContext: Omit<ToolContext, "signal">;
  /** Messages that arrived mid-turn and join it before the next model call (steer mode). */
  takeSteering?: () => Promise<ChatMessage[]>;
  /**
   * Fits the history (without the system message) into the model's context
   * again: before each later step (`step`, undefined = it fits) and once after
   * the endpoint answered "context length exceeded" (`overflow`, then retried).
   */
  refit?: (
    history: ChatMessage[],
    reason: "step" | "overflow",
    error?: ModelError,
  ) => Promise<ChatMessage[] | undefined>;
}

interface StepResult {
  text: string;
  toolCalls: ToolCall[];
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

/**
 * Runs one turn: model calls streamed, tools run between them, until the model
 * answers without tools or the step limit forces it to. Never throws; failures
 * end the stream with an `error` event.
 */
export async function* runTurn(client: ModelClient, input: TurnInput): AsyncGenerator<TurnEvent> {
  const signal = input.signal ?? new AbortController().signal;
  const tools = new Map(input.tools.map((tool) => [wireNameOf(tool), tool]));
  const specs = input.tools.map(toToolSpec);
  const system: ChatMessage[] = input.instructions.trim() ? [{ role: "system", content: input.instructions }] : [];
  let messages: ChatMessage[] = [...system, ...input.history];
  const refit = async (reason: "step" | "overflow", error?: ModelError) => {
    const fitted = await input.refit?.(messages.slice(system.length), reason, error);
    if (fitted) messages = [...system, ...fitted];
    return fitted !== undefined;
  };
  const totals = { promptTokens: 0, completionTokens: 0, estimated: false };
  let overflowRetried = false;
  try {
    for (let step = 1; ; step++) {
      const steering = input.takeSteering && step > 1 ? await input.takeSteering() : [];
      messages.push(...steering);
      if (step > 1) await refit("step");
      const withTools = specs.length > 0 && step <= input.maxSteps;
      const request = (): ModelRequest => ({
        model: input.model,
        messages,
        ...(withTools ? { tools: specs } : {}),
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      });
      let result: StepResult;
      try {
        result = yield* callModel(client, request(), input, signal);
      } catch (error) {
        // One compaction and one retry when the endpoint says the conversation is too long.
        const overflow = error instanceof ModelError && error.code === "MODEL_CONTEXT_LENGTH";
        if (!overflow || overflowRetried || !(await refit("overflow", error))) throw error;
        overflowRetried = true;
        result = yield* callModel(client, request(), input, signal);
      }
      totals.promptTokens += result.promptTokens;
      totals.completionTokens += result.completionTokens;
      totals.estimated ||= result.estimated;
      const toolCalls = withTools ? result.toolCalls : [];
      yield { type: "step", step, text: result.text, toolCalls };
      messages.push({ role: "assistant", content: result.text, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
      if (toolCalls.length === 0) {
        yield { type: "usage", ...totals };
        yield { type: "done", text: result.text, steps: step };
        return;
      }
      const images: ToolImage[] = [];
      for (const call of toolCalls) {
        yield { type: "tool_call", step, call };
        const outcome = withImageNote(await runToolCall(call, tools, { ...input.toolContext, signal }), call, tools);
        if (signal.aborted) throw signal.reason;
        yield { type: "tool_result", step, call, result: outcome };
        messages.push({ role: "tool", toolCallId: call.id, content: toolMessageContent(outcome) });
        if (outcome.ok && outcome.images) images.push(...outcome.images);
      }
      // Tool messages carry text only: images follow all of a step's results as one user message.
      const shown = input.vision ? toolImagesMessage(images) : undefined;
      if (shown) messages.push(shown);
    }
  } catch (error) {
    if (totals.promptTokens + totals.completionTokens > 0) yield { type: "usage", ...totals };
    yield { type: "error", error: asGatewayError(error, signal) };
  }
}

/** Tells the model how to hand a tool's image to the user, where `send_file` is one of its tools. */
function withImageNote(result: ToolResult, call: ToolCall, tools: ReadonlyMap<string, Tool>): ToolResult {
  if (!result.ok || !result.images?.length || !tools.has("send_file")) return result;
  return {
    ...result,
    content: `${result.content}\n[send_file with from_tool_call "${call.id}" sends this image to the user.]`,
  };
}

/** The text a tool result becomes in the conversation. */
export function toolMessageContent(result: ToolResult): string {
  return result.ok ? result.content : `error: ${result.error}`;
}

async function* callModel(
  client: ModelClient,
  request: ModelRequest,
  input: TurnInput,
  signal: AbortSignal,
): AsyncGenerator<TurnEvent, StepResult> {
  const policy = input.retry ?? defaultRetryPolicy;
  const maxTotalWaitMs = policy.maxTotalWaitMs ?? MAX_TOTAL_WAIT_MS;
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    let started = false;
    try {
      const limits = {
        idleTimeoutMs: input.idleTimeoutMs,
        maxReplyChars: input.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS,
      };
      return yield* streamOnce(client, request, limits, signal, () => {
        started = true;
      });
    } catch (error) {
      const failure = asGatewayError(error, signal);
      const retry =
        !started && !signal.aborted && failure instanceof ModelError && failure.retryable && attempt < policy.attempts;
      if (!retry) throw failure;
      const delay = retryDelay(policy, attempt, failure.retryAfterMs);
      if (waitedMs + delay > maxTotalWaitMs) {
        throw new ModelError(
          "MODEL_HTTP",
          `${failure.message}, and it asked to wait ${minutes(delay)} before the next try, longer than a turn waits (${minutes(maxTotalWaitMs)} in all)`,
          { ...(failure.status !== undefined ? { status: failure.status } : {}), cause: failure },
        );
      }
      if (delay > (policy.announceAfterMs ?? ANNOUNCE_AFTER_MS)) {
        yield { type: "waiting", retryAt: Date.now() + delay, delayMs: delay, reason: failure.message };
      }
      waitedMs += delay;
      await policy.sleep(delay, signal);
    }
  }
}

async function* streamOnce(
  client: ModelClient,
  request: ModelRequest,
  { idleTimeoutMs, maxReplyChars }: { idleTimeoutMs: number; maxReplyChars: number },
  outer: AbortSignal,
  onFirstToken: () => void,
): AsyncGenerator<TurnEvent, StepResult> {
  const idle = new AbortController();
  const full = new AbortController();
  const signal = AbortSignal.any([outer, idle.signal, full.signal]);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle.abort(new ModelError("MODEL_TIMEOUT", `the model sent nothing for ${Math.round(idleTimeoutMs / 1000)} s`));
    }, idleTimeoutMs);
  };
  const filter = new ThinkFilter();
  const calls = new Map<number, ToolCall>();
  let text = "";
  let finished = false;
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  arm();
  try {
    for await (const chunk of client.stream(request, signal)) {
      arm();
      if (chunk.type === "usage") {
        usage = chunk;
        continue;
      }
      if (chunk.type === "finish") {
        finished = true;
        continue;
      }
      onFirstToken();
      if (chunk.type === "text") {
        const fitted = fitDelta(filter.push(chunk.delta), text, maxReplyChars);
        text = fitted.text;
        if (fitted.shown) yield { type: "text", delta: fitted.shown };
        const reached = fitted.reached;
        if (reached) {
          // Stop the model where the answer is as long as we send: it would otherwise go on costing
          // tokens, and its text would fill the database and the chat.
          full.abort(new ModelError("MODEL_STREAM", "the answer reached its size limit"));
          break;
        }
      } else if (chunk.type === "tool_call") {
        const call = calls.get(chunk.index) ?? { id: "", name: "", arguments: "" };
        if (chunk.id) call.id = chunk.id;
        if (chunk.name) call.name += chunk.name;
        if (chunk.arguments) call.arguments += chunk.arguments;
        calls.set(chunk.index, call);
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (full.signal.aborted && !outer.aborted && !idle.signal.aborted) {
    const note = cutNote(maxReplyChars);
    yield { type: "text", delta: note };
    text += note;
    const completionTokens = estimateTokens(text);
    return {
      text,
      toolCalls: [],
      promptTokens: estimateTokens(JSON.stringify(request.messages)),
      completionTokens,
      estimated: true,
    };
  }
  // The SDK ends a stream quietly when its signal fires: a timeout or a cancel is not a short stream.
  if (signal.aborted) throw signal.reason;
  if (!finished) throw new ModelError("MODEL_STREAM", "the model stream ended before it finished");
  const tail = filter.flush();
  if (tail) {
    text += tail;
    yield { type: "text", delta: tail };
  }
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
  if (usage) return { text, toolCalls, ...usage, estimated: false };
  return {
    text,
    toolCalls,
    promptTokens: estimateTokens(JSON.stringify(request.messages)),
    completionTokens: estimateTokens(text + toolCalls.map((call) => call.name + call.arguments).join("")),
    estimated: true,
  };
}

/** A wait in words: "45 s", "3 minutes". */
function minutes(ms: number): string {
  if (ms < 90_000) return `${Math.ceil(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} minutes`;
}

function asGatewayError(error: unknown, signal: AbortSignal): GatewayError {
  if (error instanceof ModelError) return error;
  if (signal.aborted) {
    return signal.reason instanceof ModelError
      ? signal.reason
      : new ModelError("MODEL_ABORTED", "the turn was cancelled", { cause: error });
  }
  if (error instanceof GatewayError) return error;
  return new ModelError("MODEL_STREAM", `the turn failed: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}
