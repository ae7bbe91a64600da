import type { Config } from "../config/config.js";
import { type QueueMode, serverOf, type ToolPolicy } from "../config/file-schema.js";
import { ConfigError, NotFoundError } from "../errors.js";

/** An Expert: instructions, a model and tools, under a name people can pick. */
export interface Expert {
  name: string;
  description: string;
  instructions: string;
  model: string;
  /** Tool names and patterns: `current_time`, `files.*`, `tracker.create_issue`. */
  tools: string[];
  /** Pattern → policy; `deny` hides a tool, `ask` runs it once a person approved the call. */
  toolPolicies: Record<string, ToolPolicy>;
  maxSteps: number;
  temperature: number | undefined;
  mode: QueueMode | undefined;
  memory: boolean;
  /** The model takes images (`models.<name>.vision` in the YAML). */
  vision: boolean;
  /** What it says when someone opens an assistant thread (Slack's agent view). */
  greeting: string;
  /** Prompts offered in a new assistant thread: the YAML's `suggested_prompts`, or general ones. */
  suggestedPrompts: SuggestedPrompt[];
}

/** A prompt a person can pick instead of typing: `title` is shown, `message` is sent. */
export interface SuggestedPrompt {
  title: string;
  message: string;
}

/** Offered when an Expert names none: what anyone may want to ask first. */
export const DEFAULT_SUGGESTED_PROMPTS: readonly SuggestedPrompt[] = [
  { title: "What can you do?", message: "What can you help me with, and which Experts are available?" },
  { title: "Summarize something", message: "Summarize the text I paste next in three bullet points." },
];

export const DEFAULT_EXPERT = "default";

const builtinInstructions = [
  "You are a helpful assistant in a chat conversation.",
  "Answer concisely and accurately. Use Markdown for code and lists; avoid long preambles.",
  "When you do not know something, say so.",
].join(" ");

/** The Experts of the YAML, plus the built-in `default` unless the YAML defines its own. */
export class ExpertRegistry {
  readonly #experts = new Map<string, Expert>();

  /**
   * Builds every Expert, checking that each has a model and names only known
   * tools; throws a {@link ConfigError} naming the Expert otherwise.
   */
  constructor(
    config: Pick<Config, "experts" | "model"> & Partial<Pick<Config, "models" | "mcp">>,
    toolNames: ReadonlySet<string>,
  ) {
    const servers = new Set(config.mcp?.servers.map((server) => server.name) ?? []);
    const settings = [...config.experts];
    if (!settings.some((expert) => expert.name === DEFAULT_EXPERT)) {
      settings.unshift({
        name: DEFAULT_EXPERT,
        description: "A general assistant.",
        instructions: builtinInstructions,
        tools: ["current_time"],
        memory: true,
      });
    }
    for (const [index, expert] of settings.entries()) {
      if (this.#experts.has(expert.name))
        throw new ConfigError(`experts[${index}]: the name "${expert.name}" is used twice`);
      const model = expert.model ?? config.model.defaultModel;
      if (!model) {
        throw new ConfigError(
          `GATEWAY_MODEL is not set and Expert "${expert.name}" names no model: run "gateway init" to set up the model endpoint and channels (or set GATEWAY_MODEL)`,
        );
      }
      const unknownServer = expert.tools.map(serverOf).find((server) => server !== undefined && !servers.has(server));
      if (unknownServer !== undefined) {
        throw new ConfigError(
          `Expert "${expert.name}": unknown MCP server "${unknownServer}" (mcp_servers: ${[...servers].join(", ") || "none"})`,
        );
      }
      // Server tools are known once the server answers; built-in names are checked now (globs in doctor).
      const unknown = expert.tools.find(
        (tool) => serverOf(tool) === undefined && !tool.includes("*") && !toolNames.has(tool),
      );
      if (unknown) {
        throw new ConfigError(
          `Expert "${expert.name}": unknown tool "${unknown}" (available: ${[...toolNames].join(", ")})`,
        );
      }
      this.#experts.set(expert.name, {
        name: expert.name,
        description: expert.description,
        instructions: expert.instructions,
        model,
        tools: expert.tools,
        toolPolicies: expert.tool_policies ?? {},
        maxSteps: expert.max_steps ?? 8,
        temperature: expert.temperature,
        mode: expert.mode,
        memory: expert.memory,
        vision: config.models?.[model]?.vision ?? false,
        greeting:
          expert.greeting ??
          `Hi, I'm ${expert.name}${expert.description ? ` (${expert.description.replace(/\.$/, "")})` : ""}. What can I do for you?`,
        suggestedPrompts: expert.suggested_prompts ?? [...DEFAULT_SUGGESTED_PROMPTS],
      });
    }
  }

  list(): Expert[] {
    return [...this.#experts.values()];
  }

  get(name: string): Expert | undefined {
    return this.#experts.get(name);
  }

  /** The named Expert; throws a NotFoundError listing the known names. */
  require(name: string): Expert {
    const expert = this.#experts.get(name);
    if (!expert) {
      throw new NotFoundError(`no Expert "${name}" (known: ${[...this.#experts.keys()].join(", ")})`);
    }
    return expert;
  }

  /** The Expert a session recorded, or the default when the YAML no longer has it. */
  forSession(name: string): Expert {
    return this.#experts.get(name) ?? this.require(DEFAULT_EXPERT);
  }
}
