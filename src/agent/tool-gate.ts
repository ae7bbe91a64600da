import type { ToolPolicy } from "../config/file-schema.js";
import { toolPolicy } from "./tool-selection.js";
import type { Tool, ToolResult } from "./tools.js";

/** A call of a tool under `ask`, before it runs. */
export interface GatedCall {
  toolCallId: string;
  tool: Tool;
  /** The arguments as validated for the tool. */
  args: unknown;
}

/**
 * What the gate decided: run the call (after `start` claims its one run: false when it started
 * before, in a process that died), or answer the model with `result` instead (a denial).
 */
export type GateVerdict = { run: true; start: () => Promise<boolean> } | { run: false; result: ToolResult };

/** Decides the calls of tools under `ask`: a person in chat, a trigger's rule, a CLI flag. */
export interface ToolGate {
  /** Resolves when decided; rejects when `signal` aborts while it waits (the turn was stopped). */
  check(call: GatedCall, signal: AbortSignal): Promise<GateVerdict>;
}

/** What the model reads for an approved call that had started when the gateway stopped. */
export const STARTED_BEFORE =
  "interrupted: this call was approved and had started when the gateway stopped, so it may or may not have run. It is not run again; check before repeating anything it would change.";

/** The tools with those under `ask` wrapped so that each call passes `gate` first. */
export function gateTools(
  tools: readonly Tool[],
  policies: Readonly<Record<string, ToolPolicy>>,
  gate: ToolGate,
): Tool[] {
  return tools.map((tool) => (toolPolicy(tool, policies) === "ask" ? gated(tool, gate) : tool));
}

function gated(tool: Tool, gate: ToolGate): Tool {
  return {
    ...tool,
    async run(args, context): Promise<ToolResult> {
      const verdict = await gate.check({ toolCallId: context.toolCallId ?? "", tool, args }, context.signal);
      if (!verdict.run) return verdict.result;
      if (!(await verdict.start())) return { ok: false, error: STARTED_BEFORE };
      return tool.run(args, context);
    },
  };
}
