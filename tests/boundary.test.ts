import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** One import, export-from or dynamic import: the importing file (relative to the repo, `/`-separated) and what it names. */
interface ImportRef {
  file: string;
  specifier: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compositionRoot = "src/cli/composition-root.ts";
/** The composition root's store half (choosing and opening the backend), apart so store-only commands load little. */
const configuredStore = "src/cli/configured-store.ts";

/** Packages confined to certain files: exact file paths, or folder prefixes ending in `/`. */
const confined: ReadonlyMap<string, readonly string[]> = new Map([
  ["openai", ["src/agent/llm-client.ts"]],
  ["better-sqlite3", ["src/store/sqlite/database.ts"]],
  ["pg", ["src/store/postgres/pg-database.ts"]],
  ["gpt-tokenizer", ["src/memory/token-counter.ts"]],
  ["grammy", ["adapters/telegram/"]],
  ["@slack/bolt", ["adapters/slack/"]],
  ["@slack/web-api", ["adapters/slack/"]],
  ["@slack/socket-mode", ["adapters/slack/"]],
  ["croner", ["src/triggers/cron-schedule.ts"]],
  ["@modelcontextprotocol/sdk", ["src/mcp/"]],
]);

/**
 * The backends: only themselves, the composition root's store half and the copy tool (which reads
 * and writes both) import them.
 */
const backends: readonly string[] = ["src/store/sqlite/", "src/store/postgres/"];
const copyTool = "src/store/copy/";

/**
 * What an adapter may import from src/: the channel port, the types its members name (HTTP
 * routes, the logger), the shared error family and clock, and the pure helpers that work on
 * the port's own values (parsing a `/command` into a ParsedCommand, splitting text to a
 * platform's limits in whole characters). Never the gateway, the agent, the store or the chat commands.
 */
const channelPort: readonly string[] = [
  "src/gateway/channel.ts",
  "src/gateway/commands/command-parser.ts",
  "src/gateway/message-splitter.ts",
  "src/gateway/graphemes.ts",
  "src/http/http-server.ts",
  "src/logger.ts",
  "src/errors.ts",
  "src/ids.ts",
];

/** Every specifier in a TypeScript source: static imports (also type-only), export-from and `import()`. */
function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((ref) => ref.fileName);
}

function tsFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

function collectImports(): ImportRef[] {
  const files = [...tsFiles(join(root, "src")), ...tsFiles(join(root, "adapters"))];
  return files.flatMap((path) => {
    const file = relative(root, path).split(sep).join("/");
    return specifiersOf(readFileSync(path, "utf8")).map((specifier) => ({ file, specifier }));
  });
}

/** The package a bare specifier names (`openai/resources/x` → `openai`, `@slack/bolt/x` → `@slack/bolt`). */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The repo-relative path a relative specifier points at, or undefined for a package. */
function targetOf(ref: ImportRef): string | undefined {
  if (!ref.specifier.startsWith(".")) return undefined;
  return posix.normalize(posix.join(posix.dirname(ref.file), ref.specifier));
}

/** `adapters/telegram/bot.ts` → `telegram`; undefined outside adapters/. */
function adapterOf(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "adapters" && parts.length > 1 ? (parts.length > 2 ? parts[1] : "") : undefined;
}

function allowedAt(file: string, places: readonly string[]): boolean {
  return places.some((place) => (place.endsWith("/") ? file.startsWith(place) : file === place));
}

/** Every broken rule, as `file: imports "specifier" (reason)`. */
function checkBoundaries(refs: readonly ImportRef[]): string[] {
  const violations: string[] = [];
  for (const ref of refs) {
    const report = (reason: string) => violations.push(`${ref.file}: imports "${ref.specifier}" (${reason})`);
    const target = targetOf(ref);
    if (ref.file.startsWith("src/") && ref.file !== compositionRoot && target?.split("/")[0] === "adapters") {
      report(`only ${compositionRoot} may import from adapters/`);
    }
    const pkg = packageOf(ref.specifier);
    const places = pkg ? confined.get(pkg) : undefined;
    if (pkg && places && !allowedAt(ref.file, places)) report(`${pkg} is only allowed in ${places.join(", ")}`);
    for (const backend of backends) {
      if (target?.startsWith(backend) && !ref.file.startsWith(backend) && ref.file.startsWith("src/")) {
        if (ref.file !== configuredStore && !ref.file.startsWith(copyTool)) {
          report(`only ${configuredStore} and ${copyTool} may import the backend in ${backend}`);
        }
      }
    }
    const source = target?.replace(/\.js$/, ".ts");
    if (ref.file.startsWith("adapters/") && source?.startsWith("src/") && !channelPort.includes(source)) {
      report("adapters import only the channel port and its types");
    }
    const from = adapterOf(ref.file);
    const to = target ? adapterOf(target) : undefined;
    // adapters/shared holds what several adapters render alike; it belongs to none of them.
    if (from !== undefined && to !== undefined && from !== to && to !== "shared") {
      report(`adapters/${from || "(root)"} must not import another adapter's folder adapters/${to}`);
    }
  }
  return violations;
}

/** The repo files each file imports (relative specifiers only; `.js` resolved to the `.ts` source). */
function importGraph(refs: readonly ImportRef[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const ref of refs) {
    const edges = graph.get(ref.file) ?? [];
    graph.set(ref.file, edges);
    const target = targetOf(ref)?.replace(/\.js$/, ".ts");
    if (target !== undefined && !edges.includes(target)) edges.push(target);
  }
  return graph;
}

/**
 * The import circles of a graph: each strongly connected component of more than one file, or a
 * file importing itself (Tarjan's algorithm), files sorted within each circle.
 */
function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file) ?? 0);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) circles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles;
}

describe("module boundaries", () => {
  it("src/ and adapters/ keep to the import rules", () => {
    const refs = collectImports();
    // The scan must actually see the imports it polices, or the test would pass vacuously.
    expect(refs).toContainEqual({ file: "src/store/sqlite/database.ts", specifier: "better-sqlite3" });
    expect(refs).toContainEqual({ file: "src/store/postgres/pg-database.ts", specifier: "pg" });
    expect(refs).toContainEqual({ file: "src/agent/llm-client.ts", specifier: "openai" });
    const violations = checkBoundaries(refs);
    expect(violations, `boundary violations:\n${violations.join("\n")}`).toEqual([]);
  });

  it("has no import circle, in src/store/ or anywhere in src/ and adapters/", () => {
    const graph = importGraph(collectImports());
    // The graph must hold the store's own edges, or a circle there could go unseen.
    expect(graph.get("src/store/sqlite/sqlite-store.ts")).toContain("src/store/store.ts");
    expect(graph.get("src/store/store.ts")).toContain("src/store/queue-repository.ts");
    const circles = importCircles(graph).map((circle) => circle.join(" → "));
    expect(circles, `import circles:\n${circles.join("\n")}`).toEqual([]);
  });
});

describe("importCircles (the cycle detector itself)", () => {
  const graphOf = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

  it("finds no circle in a graph without one, however it branches", () => {
    expect(importCircles(graphOf({ a: ["b", "c"], b: ["d"], c: ["d"], d: [] }))).toEqual([]);
  });

  it("finds a circle of two, of three behind a tail, and a file importing itself", () => {
    const circles = importCircles(
      graphOf({ a: ["b"], b: ["a"], t: ["x"], x: ["y"], y: ["z"], z: ["x", "w"], w: [], s: ["s"] }),
    );
    expect(circles).toEqual(expect.arrayContaining([["a", "b"], ["x", "y", "z"], ["s"]]));
    expect(circles).toHaveLength(3);
  });

  it("builds the graph from relative imports only, resolving .js to the .ts source", () => {
    const graph = importGraph([
      { file: "src/store/store.ts", specifier: "./types.js" },
      { file: "src/store/store.ts", specifier: "node:fs" },
      { file: "src/store/sqlite/queue-store.ts", specifier: "../store.js" },
    ]);
    expect(graph.get("src/store/store.ts")).toEqual(["src/store/types.ts"]);
    expect(graph.get("src/store/sqlite/queue-store.ts")).toEqual(["src/store/store.ts"]);
  });
});

describe("checkBoundaries (the checker itself)", () => {
  it("accepts the allowed imports", () => {
    const allowed: ImportRef[] = [
      { file: "src/agent/llm-client.ts", specifier: "openai" },
      { file: "src/agent/llm-client.ts", specifier: "openai/resources/chat/completions" },
      { file: "src/store/sqlite/database.ts", specifier: "better-sqlite3" },
      { file: "src/cli/composition-root.ts", specifier: "../../adapters/telegram/telegram-adapter.js" },
      { file: "src/cli/configured-store.ts", specifier: "../store/sqlite/sqlite-backend.js" },
      { file: "src/cli/configured-store.ts", specifier: "../store/postgres/pg-backend.js" },
      { file: "src/store/sqlite/queue-store.ts", specifier: "./session-store.js" },
      { file: "src/store/sqlite/queue-store.ts", specifier: "../queue-repository.js" },
      { file: "adapters/telegram/bot.ts", specifier: "../../src/gateway/commands/command-parser.js" },
      { file: "adapters/slack/slack-format.ts", specifier: "../../src/gateway/message-splitter.js" },
      { file: "adapters/slack/app.ts", specifier: "../../src/logger.js" },
      { file: "adapters/telegram/bot.ts", specifier: "grammy" },
      { file: "adapters/telegram/bot.ts", specifier: "./api.js" },
      { file: "adapters/telegram/bot.ts", specifier: "../../src/gateway/channel.js" },
      { file: "adapters/slack/app.ts", specifier: "@slack/bolt" },
      { file: "adapters/slack/deep/client.ts", specifier: "@slack/web-api" },
      { file: "adapters/slack/socket.ts", specifier: "@slack/socket-mode" },
      { file: "adapters/slack/slack-format.ts", specifier: "../shared/markdown-shared.js" },
      { file: "src/gateway/turn-runner.ts", specifier: "node:fs" },
      { file: "src/gateway/turn-runner.ts", specifier: "openai-like-but-different" },
    ];
    expect(checkBoundaries(allowed)).toEqual([]);
  });

  it.each<[string, ImportRef]>([
    ["src importing adapters", { file: "src/gateway/turn-runner.ts", specifier: "../../adapters/slack/app.js" }],
    ["src/cli (not the root) importing adapters", { file: "src/cli/run-command.ts", specifier: "../../adapters/x.js" }],
    ["openai outside llm-client", { file: "src/agent/agent-loop.ts", specifier: "openai" }],
    ["an openai subpath outside llm-client", { file: "src/agent/tools.ts", specifier: "openai/resources/index" }],
    ["better-sqlite3 outside database.ts", { file: "src/store/sqlite/session-store.ts", specifier: "better-sqlite3" }],
    ["better-sqlite3 in an adapter", { file: "adapters/slack/app.ts", specifier: "better-sqlite3" }],
    ["grammy outside the telegram adapter", { file: "src/gateway/channel.ts", specifier: "grammy" }],
    ["grammy in the slack adapter", { file: "adapters/slack/app.ts", specifier: "grammy" }],
    ["@slack/bolt outside the slack adapter", { file: "src/http/http-server.ts", specifier: "@slack/bolt" }],
    ["@slack/web-api in telegram", { file: "adapters/telegram/bot.ts", specifier: "@slack/web-api/dist/x" }],
    ["@slack/socket-mode in src", { file: "src/cli/composition-root.ts", specifier: "@slack/socket-mode" }],
    ["telegram importing slack", { file: "adapters/telegram/bot.ts", specifier: "../slack/app.js" }],
    ["slack importing telegram deeply", { file: "adapters/slack/a/b.ts", specifier: "../../telegram/x/y.js" }],
    ["shared importing an adapter", { file: "adapters/shared/x.ts", specifier: "../telegram/y.js" }],
    ["the CLI importing the SQLite store", { file: "src/cli.ts", specifier: "./store/sqlite/sqlite-store.js" }],
    [
      "the composition root importing a backend past its store half",
      { file: "src/cli/composition-root.ts", specifier: "../store/postgres/pg-backend.js" },
    ],
    ["memory importing a SQLite file", { file: "src/memory/x.ts", specifier: "../store/sqlite/memory-store.js" }],
    [
      "a CLI command importing the driver's file",
      { file: "src/cli/doctor-command.ts", specifier: "../store/sqlite/database.js" },
    ],
    ["an adapter importing the gateway", { file: "adapters/slack/app.ts", specifier: "../../src/gateway/gateway.js" }],
    ["an adapter importing agent/backoff", { file: "adapters/telegram/p.ts", specifier: "../../src/agent/backoff.js" }],
    [
      "an adapter importing chat commands",
      { file: "adapters/telegram/c.ts", specifier: "../../src/gateway/commands/chat-commands.js" },
    ],
    ["an adapter importing the store", { file: "adapters/slack/app.ts", specifier: "../../src/store/store.js" }],
  ])("flags %s", (_label, ref) => {
    const violations = checkBoundaries([ref]);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(ref.file);
    expect(violations[0]).toContain(`"${ref.specifier}"`);
  });

  it("reads every kind of specifier, and no comments or strings", () => {
    const source = [
      'import a from "pkg-a";',
      'import type { B } from "pkg-b";',
      'import "pkg-c";',
      'export * from "pkg-d";',
      'export { e } from "./e.js";',
      '// import x from "commented-out";',
      'const f = await import("pkg-f");',
      "const url = import.meta.url;",
      "const text = \"import('not-an-import')\";",
      'export type { G } from "@scope/pkg-g/sub";',
    ].join("\n");
    expect(specifiersOf(source)).toEqual(["pkg-a", "pkg-b", "pkg-c", "pkg-d", "./e.js", "pkg-f", "@scope/pkg-g/sub"]);
    expect(packageOf("@scope/pkg-g/sub")).toBe("@scope/pkg-g");
    expect(packageOf("openai/resources")).toBe("openai");
  });
});
