import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { ModelError } from "../errors.js";
import type { ChatMessage, ModelChunk, ModelClient, ModelRequest } from "./messages.js";

export interface LlmClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
}

/**
 * The only place that imports the `openai` SDK. Its own retries are off: the
 * agent loop is the one retry layer, so a request is never retried twice over.
 */
export class OpenAiModelClient implements ModelClient {
  readonly #client: OpenAI;

  constructor(options: LlmClientOptions) {
    this.#client = new OpenAI({
      baseURL: options.baseUrl,
      // Local servers (Ollama, vLLM) need no key, but the SDK insists on one.
      apiKey: options.apiKey ?? "not-needed",
      maxRetries: 0,
      timeout: 10 * 60 * 1000,
    });
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelChunk> {
    let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    try {
      stream = await this.#client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map(toSdkMessage),
          ...(request.tools && request.tools.length > 0 ? { tools: request.tools.map(toSdkTool) } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal },
      );
    } catch (error) {
      throw toModelError(error, signal);
    }
    try {
      for await (const chunk of stream) {
        if (chunk.usage) {
          yield {
            type: "usage",
            promptTokens: chunk.usage.prompt_tokens ?? 0,
            completionTokens: chunk.usage.completion_tokens ?? 0,
          };
        }
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta as typeof choice.delta & { reasoning_content?: string; reasoning?: string };
        const reasoning = delta?.reasoning_content ?? delta?.reasoning;
        if (reasoning) yield { type: "reasoning", delta: reasoning };
        if (delta?.content) yield { type: "text", delta: delta.content };
        for (const call of delta?.tool_calls ?? []) {
          yield {
            type: "tool_call",
            index: call.index,
            ...(call.id ? { id: call.id } : {}),
            ...(call.function?.name ? { name: call.function.name } : {}),
            ...(call.function?.arguments ? { arguments: call.function.arguments } : {}),
          };
        }
        if (choice.finish_reason) yield { type: "finish", reason: choice.finish_reason };
      }
    } catch (error) {
      const failure = toModelError(error, signal);
      if (failure.code !== "MODEL_NETWORK") throw failure;
      // The connection broke after the response began: a broken stream, retried only if nothing came yet.
      throw new ModelError("MODEL_STREAM", "the model stream broke off", { retryable: true, cause: error });
    }
  }

  async listModels(signal: AbortSignal): Promise<string[]> {
    try {
      const page = await this.#client.models.list({ signal });
      return page.data.map((model) => model.id);
    } catch (error) {
      throw toModelError(error, signal);
    }
  }
}

function toSdkMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case "system":
      return { role: "system", content: message.content };
    case "user":
      return {
        role: "user",
        content:
          typeof message.content === "string"
            ? message.content
            : message.content.map((part) =>
                part.type === "text"
                  ? { type: "text", text: part.text }
                  : { type: "image_url", image_url: { url: part.url } },
              ),
      };
    case "assistant":
      return {
        role: "assistant",
        content: message.content,
        ...(message.toolCalls && message.toolCalls.length > 0
          ? {
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: "function" as const,
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
  }
}

function toSdkTool(tool: {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}): ChatCompletionTool {
  return {
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  };
}

/** Maps whatever the SDK threw to a {@link ModelError} that says whether to retry. */
export function toModelError(error: unknown, signal: AbortSignal): ModelError {
  if (error instanceof ModelError) return error;
  if (signal.aborted) {
    const reason = signal.reason;
    if (reason instanceof ModelError) return reason;
    return new ModelError("MODEL_ABORTED", "the model request was cancelled", { cause: error });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    const status = error.status;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    const retryAfterMs = parseRetryAfter(error.headers?.get("retry-after-ms"), error.headers?.get("retry-after"));
    // The SDK starts its message with the status; the user message names it once.
    const detail = shortMessage(error.message.replace(new RegExp(`^${status}\\b\\s*`), ""));
    if (isContextOverflow(status, error.code, error.message)) {
      const limit = /maximum context length is (\d+)|context (?:length|window) (?:of|is) (\d+)/i.exec(error.message);
      const contextTokens = Number(limit?.[1] ?? limit?.[2] ?? Number.NaN);
      return new ModelError("MODEL_CONTEXT_LENGTH", `the conversation is too long for the model: ${detail}`, {
        status,
        ...(Number.isFinite(contextTokens) ? { contextTokens } : {}),
        cause: error,
      });
    }
    return new ModelError("MODEL_HTTP", `the model endpoint answered ${status}${detail ? `: ${detail}` : ""}`, {
      status,
      retryable,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIConnectionError || isNetworkError(error)) {
    return new ModelError("MODEL_NETWORK", "the model endpoint could not be reached", {
      retryable: true,
      cause: error,
    });
  }
  return new ModelError("MODEL_STREAM", `the model stream failed: ${shortMessage(String(error))}`, { cause: error });
}

/**
 * "Context length exceeded", as OpenAI (code `context_length_exceeded`), vLLM,
 * Ollama, OpenRouter and others word it: a 400 (or 413) that names the limit.
 */
function isContextOverflow(status: number, code: unknown, message: string): boolean {
  if (status !== 400 && status !== 413) return false;
  if (code === "context_length_exceeded") return true;
  return /context.{0,20}(length|window|limit)|maximum context|too many tokens|prompt is too long|exceeds? the (model'?s? )?(max|context)/i.test(
    message,
  );
}

function parseRetryAfter(ms: string | null | undefined, seconds: string | null | undefined): number | undefined {
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  if (!seconds) return undefined;
  if (Number.isFinite(Number(seconds))) return Math.max(0, Number(seconds) * 1000);
  const date = Date.parse(seconds);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isNetworkError(error: unknown): boolean {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code;
  return typeof code === "string" && /^(ECONN|ENOTFOUND|EAI_AGAIN|EPIPE|ETIMEDOUT|UND_ERR)/.test(code);
}

function shortMessage(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}
