import { z } from "zod";
import { describeError } from "../errors.js";
import type { ToolCall, ToolSpec } from "./messages.js";

/** What a tool gives back: expected failures are values, not exceptions. */
export type ToolResult = { ok: true; content: string } | { ok: false; error: string };

/** What a running tool may know about the turn that called it. */
export interface ToolContext {
  sessionId: string | undefined;
  expert: string;
  /** Who the turn answers (`telegram:123`, `cli:local`), when known: memory and session tools act for them. */
  userId?: string | null;
  signal: AbortSignal;
  now: () => number;
}

/** A tool the model may call, its arguments declared with a zod schema. */
export interface Tool<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  parameters: Schema;
  run(args: z.infer<Schema>, context: ToolContext): Promise<ToolResult>;
}

export function defineTool<Schema extends z.ZodType>(tool: Tool<Schema>): Tool {
  return tool as unknown as Tool;
}

/** Converted once per tool: every turn sends the same definitions, and the conversion was a tenth of a turn's CPU. */
const specs = new WeakMap<Tool, ToolSpec>();

export function toToolSpec(tool: Tool): ToolSpec {
  const known = specs.get(tool);
  if (known) return known;
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.parameters, { io: "input" }) as Record<
    string,
    unknown
  >;
  const spec = { name: tool.name, description: tool.description, parameters };
  specs.set(tool, spec);
  return spec;
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
  const parsed = tool.parameters.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(arguments)"}: ${issue.message}`)
      .join("; ");
    return { ok: false, error: `invalid arguments: ${problems}` };
  }
  try {
    return await tool.run(parsed.data, context);
  } catch (error) {
    return { ok: false, error: `the tool failed: ${describeError(error)}` };
  }
}
