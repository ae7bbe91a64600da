#!/usr/bin/env node
// A misbehaving MCP server on stdio, for the fault tests: plain JSON-RPC lines, no SDK, so it can send
// what a correct server never would. Tools: `echo` (answers), `hang` (never answers), `exit` (dies
// mid-call), `big` (5 MB of text), `malformed` (a result that is not a tool result), `image` (a PNG),
// `fail` (isError), `env` (prints the value of FAKE_SECRET's length, proving env_from reached it),
// `grow` (adds a tool `grown` and sends notifications/tools/list_changed).
// Each tools/call is appended to the file named by FAKE_MCP_LOG, so tests can count calls.
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const tools = ["echo", "hang", "exit", "big", "malformed", "image", "fail", "env", "grow"].map((name) => ({
  name,
  description: `the ${name} tool`,
  inputSchema: { type: "object", properties: { text: { type: "string" } } },
}));

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);

function call(id, name, args) {
  if (process.env.FAKE_MCP_LOG) appendFileSync(process.env.FAKE_MCP_LOG, `${name}\n`);
  switch (name) {
    case "echo":
      return send({ id, result: { content: [{ type: "text", text: `echo: ${args.text ?? ""}` }] } });
    case "hang":
      return undefined;
    case "exit":
      return process.exit(3);
    case "big":
      return send({ id, result: { content: [{ type: "text", text: "x".repeat(5 * 1024 * 1024) }] } });
    case "malformed":
      return send({ id, result: { content: "not a list of parts" } });
    case "image":
      return send({ id, result: { content: [{ type: "image", mimeType: "image/png", data: PNG }] } });
    case "fail":
      return send({ id, result: { isError: true, content: [{ type: "text", text: "the thing is broken" }] } });
    case "env":
      return send({
        id,
        result: { content: [{ type: "text", text: `secret length ${(process.env.FAKE_SECRET ?? "").length}` }] },
      });
    case "grow":
      tools.push({ name: "grown", description: "added later", inputSchema: { type: "object" } });
      send({ method: "notifications/tools/list_changed" });
      return send({ id, result: { content: [{ type: "text", text: "grown" }] } });
    default:
      return send({ id, error: { code: -32602, message: `unknown tool ${name}` } });
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  const { id, method, params } = message;
  if (method === "initialize") {
    send({
      id,
      result: {
        protocolVersion: params?.protocolVersion ?? "2025-06-18",
        capabilities: { tools: { listChanged: true } },
        serverInfo: { name: "fake-mcp", version: "1.0.0" },
      },
    });
  } else if (method === "tools/list") {
    send({ id, result: { tools } });
  } else if (method === "tools/call") {
    call(id, params?.name, params?.arguments ?? {});
  } else if (id !== undefined && method !== undefined) {
    send({ id, result: {} });
  }
});
