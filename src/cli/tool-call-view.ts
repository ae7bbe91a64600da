/** Argument names whose values are credentials, whatever tool takes them. */
const SECRET_KEY = /token|secret|passw(or)?d|authorization|api[_-]?key|cookie|credential|private[_-]?key/i;

/**
 * A tool call's JSON arguments for people to read: values under secret-looking keys and every known
 * secret value (the MCP servers' env and header values) replaced with `[redacted]`.
 */
export function redactArguments(json: string, secrets: readonly string[] = []): string {
  const scrub = (text: string) =>
    secrets.filter((secret) => secret.length >= 4).reduce((out, secret) => out.split(secret).join("[redacted]"), text);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return scrub(json);
  }
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === "object") {
      return Object.fromEntries(
        Object.entries(node).map(([key, inner]) => [key, SECRET_KEY.test(key) ? "[redacted]" : walk(inner)]),
      );
    }
    return typeof node === "string" ? scrub(node) : node;
  };
  return JSON.stringify(walk(value));
}

/** `files__read_text_file` → `files.read_text_file`: the name the YAML and `tools list` use. */
export function shownToolName(wireName: string | null): string {
  return (wireName ?? "?").replace("__", ".");
}
