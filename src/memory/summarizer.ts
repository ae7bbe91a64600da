import { runTurn } from "../agent/agent-loop.js";
import type { RetryPolicy } from "../agent/backoff.js";
import type { ModelClient } from "../agent/messages.js";
import { type ContextUnit, unitText } from "./context-units.js";
import { countTokens } from "./token-counter.js";

const instructions = [
  "You compress a conversation between users and an AI assistant so that the assistant can continue it",
  "without the original messages. Write a concise summary in the conversation's language: who asked for what,",
  "facts, names, numbers, decisions and their reasons, what tools found, and open questions or tasks.",
  "Merge the previous summary, if any, into yours. Do not invent anything. At most 400 words.",
].join(" ");

export interface SummaryRequest {
  client: ModelClient;
  model: string;
  previous: string | undefined;
  units: readonly ContextUnit[];
  /** The most conversation text one model call may take (its context less the summary and instructions). */
  inputTokens: number;
  idleTimeoutMs: number;
  signal?: AbortSignal;
  retry?: RetryPolicy;
}

export interface Summary {
  text: string;
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

/**
 * Summarizes the units (oldest first) into one text, folding the previous
 * summary in. A part too long for one call is summarized in rounds, each
 * round's summary carried into the next. Throws the model's error.
 */
export async function summarize(request: SummaryRequest): Promise<Summary> {
  const result: Summary = { text: request.previous ?? "", promptTokens: 0, completionTokens: 0, estimated: false };
  for (const chunk of chunks(request.units, Math.max(256, request.inputTokens - countTokens(result.text)))) {
    const prompt = [
      result.text ? `Previous summary:\n${result.text}\n` : "",
      `Conversation to add:\n${chunk}`,
      "\nWrite the new summary.",
    ].join("\n");
    for await (const event of runTurn(request.client, {
      model: request.model,
      instructions,
      history: [{ role: "user", content: prompt }],
      tools: [],
      maxSteps: 0,
      idleTimeoutMs: request.idleTimeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.retry ? { retry: request.retry } : {}),
      toolContext: { sessionId: undefined, expert: "", now: Date.now },
    })) {
      if (event.type === "usage") {
        result.promptTokens += event.promptTokens;
        result.completionTokens += event.completionTokens;
        result.estimated ||= event.estimated;
      } else if (event.type === "done") {
        result.text = event.text.trim() || result.text;
      } else if (event.type === "error") {
        throw event.error;
      }
    }
  }
  return result;
}

/** The units' text in pieces of at most `maxTokens` (a single overlong unit is cut). */
function chunks(units: readonly ContextUnit[], maxTokens: number): string[] {
  const pieces: string[] = [];
  let current: string[] = [];
  let used = 0;
  for (const unit of units) {
    let text = unitText(unit);
    let tokens = countTokens(text);
    if (tokens > maxTokens) {
      text = `${text.slice(0, maxTokens * 3)} [… cut]`;
      tokens = countTokens(text);
    }
    if (used + tokens > maxTokens && current.length > 0) {
      pieces.push(current.join("\n\n"));
      current = [];
      used = 0;
    }
    current.push(text);
    used += tokens;
  }
  if (current.length > 0) pieces.push(current.join("\n\n"));
  return pieces;
}
