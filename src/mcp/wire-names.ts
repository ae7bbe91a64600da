import { createHash } from "node:crypto";

/** What Chat Completions accepts as a function name. */
const VALID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The name the model calls a server's tool by: `files.read_text_file` → `files__read_text_file`. A tool
 * name with characters the API refuses (dots, slashes) or too long gets them replaced and a short hash of
 * the original, so two tools never share one wire name; callers map it back through a table, never by parsing.
 */
export function wireName(server: string, tool: string): string {
  const plain = `${server}__${tool}`;
  if (VALID.test(plain)) return plain;
  const hash = createHash("sha256").update(tool).digest("hex").slice(0, 8);
  const safe = `${server}__${tool.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return `${safe.slice(0, 64 - hash.length - 1)}_${hash}`;
}
