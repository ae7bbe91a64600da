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

/** Packages confined to certain files: exact file paths, or folder prefixes ending in `/`. */
const confined: ReadonlyMap<string, readonly string[]> = new Map([
  ["openai", ["src/agent/llm-client.ts"]],
  ["better-sqlite3", ["src/store/database.ts"]],
  ["gpt-tokenizer", ["src/memory/token-counter.ts"]],
  ["grammy", ["adapters/telegram/"]],
  ["@slack/bolt", ["adapters/slack/"]],
  ["@slack/web-api", ["adapters/slack/"]],
  ["@slack/socket-mode", ["adapters/slack/"]],
  ["croner", ["src/triggers/cron-schedule.ts"]],
  ["@modelcontextprotocol/sdk", ["src/mcp/"]],
]);

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
    const from = adapterOf(ref.file);
    const to = target ? adapterOf(target) : undefined;
    // adapters/shared holds what several adapters render alike; it belongs to none of them.
    if (from !== undefined && to !== undefined && from !== to && to !== "shared") {
      report(`adapters/${from || "(root)"} must not import another adapter's folder adapters/${to}`);
    }
  }
  return violations;
}

describe("module boundaries", () => {
  it("src/ and adapters/ keep to the import rules", () => {
    const refs = collectImports();
    // The scan must actually see the imports it polices, or the test would pass vacuously.
    expect(refs).toContainEqual({ file: "src/store/database.ts", specifier: "better-sqlite3" });
    expect(refs).toContainEqual({ file: "src/agent/llm-client.ts", specifier: "openai" });
    const violations = checkBoundaries(refs);
    expect(violations, `boundary violations:\n${violations.join("\n")}`).toEqual([]);
  });
});

describe("checkBoundaries (the checker itself)", () => {
  it("accepts the allowed imports", () => {
    const allowed: ImportRef[] = [
      { file: "src/agent/llm-client.ts", specifier: "openai" },
      { file: "src/agent/llm-client.ts", specifier: "openai/resources/chat/completions" },
      { file: "src/store/database.ts", specifier: "better-sqlite3" },
      { file: "src/cli/composition-root.ts", specifier: "../../adapters/telegram/telegram-adapter.js" },
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
    ["better-sqlite3 outside database.ts", { file: "src/store/session-store.ts", specifier: "better-sqlite3" }],
    ["better-sqlite3 in an adapter", { file: "adapters/slack/app.ts", specifier: "better-sqlite3" }],
    ["grammy outside the telegram adapter", { file: "src/gateway/channel.ts", specifier: "grammy" }],
    ["grammy in the slack adapter", { file: "adapters/slack/app.ts", specifier: "grammy" }],
    ["@slack/bolt outside the slack adapter", { file: "src/http/http-server.ts", specifier: "@slack/bolt" }],
    ["@slack/web-api in telegram", { file: "adapters/telegram/bot.ts", specifier: "@slack/web-api/dist/x" }],
    ["@slack/socket-mode in src", { file: "src/cli/composition-root.ts", specifier: "@slack/socket-mode" }],
    ["telegram importing slack", { file: "adapters/telegram/bot.ts", specifier: "../slack/app.js" }],
    ["slack importing telegram deeply", { file: "adapters/slack/a/b.ts", specifier: "../../telegram/x/y.js" }],
    ["shared importing an adapter", { file: "adapters/shared/x.ts", specifier: "../telegram/y.js" }],
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
