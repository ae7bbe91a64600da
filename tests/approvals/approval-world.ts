import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type Sandbox } from "../crash/child-gateway.js";
import type { ChatRequestBody, FakeOpenAi } from "../fakes/fake-openai.js";
import type { GatewayHarness } from "../gateway/gateway-harness.js";
import { type DocsFolder, FILESYSTEM_SERVER, mcpSettings } from "../mcp/mcp-world.js";

/** What the model asks to write, and the file it lands in. */
export const NOTE = { path: "note.txt", content: "approved words" };

/** The reference filesystem server as `files`, and an Expert that may use all of it (writes ask by default). */
export function approvalSetup(docs: DocsFolder) {
  return {
    experts: [{ name: "default", tools: ["files.*"] }],
    mcp: mcpSettings([docs.server()]),
  };
}

/** The tool message the model read for its write call, once it has read one. */
export function toolAnswer(body: ChatRequestBody | undefined): string | undefined {
  const message = body?.messages.find((m) => m.role === "tool");
  return typeof message?.content === "string" ? message.content : undefined;
}

/**
 * A model that asks to write the note when the user speaks, and otherwise answers with what the
 * tool told it: "Done: …" or "Not done: …".
 */
export function scriptWriter(fake: FakeOpenAi, dir: string): void {
  fake.fallback = (body) => {
    if (body.messages.at(-1)?.role === "user") {
      return {
        kind: "tools",
        calls: [
          {
            id: `call_${fake.requests.length}`,
            name: "files__write_file",
            arguments: JSON.stringify({ path: join(dir, NOTE.path), content: NOTE.content }),
          },
        ],
      };
    }
    const answer = toolAnswer(body) ?? "";
    return { kind: "text", text: answer.startsWith("error:") ? `Not done: ${answer}` : "Done: the note is written." };
  };
}

/** The note's text, or undefined while it is not written. */
export function noteText(docs: DocsFolder): string | undefined {
  const path = join(docs.dir, NOTE.path);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** Every tool result the transcript holds for the write tool (one per run of the call). */
export async function writeResults(harness: GatewayHarness, sessionId: string) {
  return (await harness.store.transcript.list(sessionId)).filter(
    (entry) => entry.kind === "tool_result" && entry.toolName === "files__write_file",
  );
}

/** A YAML in `dir` with the filesystem server as `files` and an Expert using it, plus `more` lines; returns its path. */
export function approvalYaml(dir: string, docs: DocsFolder, more: string[] = []): string {
  const yaml = join(dir, "gateway.yml");
  writeFileSync(yaml, approvalYamlText(docs, more));
  return yaml;
}

/** The text of {@link approvalYaml}. */
export function approvalYamlText(docs: DocsFolder, more: string[] = []): string {
  return [
    "mcp_servers:",
    `  - { name: files, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM_SERVER)}, ${JSON.stringify(docs.dir)}] }`,
    "experts:",
    "  - { name: default, tools: [files.*] }",
    ...more,
    "",
  ].join("\n");
}

/** The environment of a CLI child (`run`, `triggers`, `start`): the fake model, {@link approvalYaml}, the sandbox's database. */
export async function cliEnv(
  sandbox: Sandbox,
  docs: DocsFolder,
  model: FakeOpenAi,
  more: string[] = [],
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: sandbox.dir,
    OPENAI_BASE_URL: model.url,
    GATEWAY_MODEL: "fake-model",
    GATEWAY_DB: sandbox.db,
    GATEWAY_CONFIG: approvalYaml(sandbox.dir, docs, more),
    // A port of its own: a CLI command never hands its work to some other gateway on 8787.
    PORT: String(await freePort()),
    LOG_LEVEL: "warn",
    ...extra,
  };
}
