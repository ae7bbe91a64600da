import type { ToolPolicy } from "../config/file-schema.js";
import type { Tool } from "./tools.js";

/** `files.*` matches `files.read_text_file`; `*` stands for any run of characters, nothing else is special. */
export function matchesPattern(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(name);
}

/**
 * The policy of a tool: an exact name wins over patterns, a longer pattern over a shorter one
 * (`files.write_*: deny` beats `files.*: auto`); a tool no policy names gets `fallback` (its own
 * default: `auto`, or `ask` for MCP tools that may write).
 */
export function policyOf(
  name: string,
  policies: Readonly<Record<string, ToolPolicy>>,
  fallback: ToolPolicy = "auto",
): ToolPolicy {
  const exact = policies[name];
  if (exact) return exact;
  let best: { length: number; policy: ToolPolicy } | undefined;
  for (const [pattern, policy] of Object.entries(policies)) {
    if (!matchesPattern(pattern, name)) continue;
    if (!best || pattern.length > best.length) best = { length: pattern.length, policy };
  }
  return best?.policy ?? fallback;
}

/**
 * The tools an Expert gets: those its `tools` patterns match, in the order of `available`, without the
 * ones its policies deny (the model is not offered what it may not call).
 */
export function selectTools(
  patterns: readonly string[],
  policies: Readonly<Record<string, ToolPolicy>>,
  available: readonly Tool[],
): Tool[] {
  return available.filter(
    (tool) => patterns.some((pattern) => matchesPattern(pattern, tool.name)) && toolPolicy(tool, policies) !== "deny",
  );
}

/** A tool's policy for an Expert: its `tool_policies`, else the tool's own default. */
export function toolPolicy(tool: Tool, policies: Readonly<Record<string, ToolPolicy>>): ToolPolicy {
  return policyOf(tool.name, policies, tool.defaultPolicy);
}
