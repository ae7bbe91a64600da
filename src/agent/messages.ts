/** A tool call the model asked for; `arguments` is the raw JSON text it sent. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type ContentPart = { type: "text"; text: string } | { type: "image"; url: string };

/** One message of the conversation sent to the model, independent of any SDK. */
export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | ContentPart[] }
  | { role: "assistant"; content: string; toolCalls?: ToolCall[] }
  | { role: "tool"; toolCallId: string; content: string };

/** A tool as the model sees it. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One streaming request to the model. */
export interface ModelRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  temperature?: number;
}

/** What a streamed model response is made of, once the SDK's shape is taken off. */
export type ModelChunk =
  | { type: "text"; delta: string }
  | { type: "reasoning"; delta: string }
  | { type: "tool_call"; index: number; id?: string; name?: string; arguments?: string }
  | { type: "usage"; promptTokens: number; completionTokens: number }
  | { type: "finish"; reason: string };

/** The model client the agent loop talks to; the one implementation wraps the `openai` SDK. */
export interface ModelClient {
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelChunk>;
  /** Lists the endpoint's models; used by `gateway doctor` to check reachability. */
  listModels(signal: AbortSignal): Promise<string[]>;
}
