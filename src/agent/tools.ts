import { z } from "zod";
import type { ToolPolicy } from "../config/file-schema.js";
import { describeError } from "../errors.js";
import type { FileSink, ToolImageLookup } from "./file-sink.js";
import type { ToolCall, ToolSpec } from "./messages.js";

/** An image a tool returned, shown to models that can see (base64 `data`). */
export interface ToolImage {
  mimeType: string;
  data: string;
}

/** What a tool gives back: expected failures are values, not exceptions. */
export type ToolResult = { ok: true; content: string; images?: ToolImage[] } | { ok: false; error: string };

/** Arguments described by a JSON Schema given as is (MCP tools): the tool's server checks them. */
export interface JsonSchemaParameters {
  jsonSchema: Record<string, unknown>;
}

/** What a running tool may know about the turn that called it. */
export interface ToolContext {
  sessionId: string | undefined;
  expert: string;
  /** Who the turn answers (`telegram:123`, `cli:local`), when known: memory and session tools act for them. */
  userId?: string | null;
  signal: AbortSignal;
  /** The call being run (its approval request is keyed by it). */
  toolCallId?: string;
  now: () => number;
  /** Where `send_file` puts files; absent where files cannot go (an ephemeral CLI turn). */
  sendFile?: FileSink;
  /** Images earlier tool calls returned, for `send_file`'s `from_tool_call`. */
  toolImage?: ToolImageLookup;
}

/** A tool the model may call, its arguments declared with a zod schema or, from MCP, a JSON Schema. */
export interface Tool<Schema extends z.ZodType = z.ZodType> {
  /** As the YAML and `tools list` name it: `current_time`, `files.read_text_file`. */
  name: string;
  /** As the model calls it, where `name` is not a valid function name (`files__read_text_file`). */
  wireName?: string;
  description: string;
  parameters: Schema | JsonSchemaParameters;
  /** The policy when an Expert's `tool_policies` name none: `auto` unless said (MCP tools that may write: `ask`). */
  defaultPolicy?: ToolPolicy;
  run(args: z.infer<Schema>, context: ToolContext): Promise<ToolResult>;
}

/** The name the model calls a tool by. */
export function wireNameOf(tool: Tool): string {
  return tool.wireName ?? tool.name;
}

export function defineTool<Schema extends z.ZodType>(tool: Tool<Schema>): Tool {
  return tool as unknown as Tool;
}

/** Converted once per tool: every turn sends the same definitions, and the conversion was a tenth of a turn's CPU. */
const specs = new WeakMap<Tool, ToolSpec>();

export function toToolSpec(tool: Tool): ToolSpec {
  const known = specs.get(tool);
  if (known) return known;
  const spec = { name: wireNameOf(tool), description: tool.description, parameters: parametersOf(tool.parameters) };
  specs.set(tool, spec);
  return spec;
}

function parametersOf(parameters: z.ZodType | JsonSchemaParameters): Record<string, unknown> {
  // A JSON Schema from an MCP server goes to the model as given.
  if ("jsonSchema" in parameters) return parameters.jsonSchema;
  const { $schema: _ignored, ...schema } = z.toJSONSchema(parameters, { io: "input" }) as Record<string, unknown>;
  return schema;
}

/**
 * Runs one tool call. Unknown tools, malformed JSON and arguments that fail
 * the schema go back to the model as a tool error, so it can correct itself.
 */
export async function runToolCall(
  call: ToolCall,
  tools: ReadonlyMap<string, Tool>,
  context: ToolContext,
): Promise<ToolResult> {
  const tool = tools.get(call.name);
  if (!tool)
    return { ok: false, error: `unknown tool "${call.name}"; available: ${[...tools.keys()].join(", ") || "none"}` };
  let raw: unknown;
  try {
    raw = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
  } catch {
    return { ok: false, error: `arguments are not valid JSON: ${call.arguments.slice(0, 200)}` };
  }
  const { parameters } = tool;
  if ("jsonSchema" in parameters) {
    // The tool's own server validates against its schema and answers with an error the model can read.
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      return { ok: false, error: "invalid arguments: expected a JSON object" };
    }
    return runGuarded(tool, raw, { ...context, toolCallId: call.id });
  }
  const parsed = parameters.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(arguments)"}: ${issue.message}`)
      .join("; ");
    return { ok: false, error: `invalid arguments: ${problems}` };
  }
  return runGuarded(tool, parsed.data, { ...context, toolCallId: call.id });
}

async function runGuarded(tool: Tool, args: unknown, context: ToolContext): Promise<ToolResult> {
  try {
    return await tool.run(args, context);
  } catch (error) {
    return { ok: false, error: `the tool failed: ${describeError(error)}` };
  }
}
