import { redactArgumentValues } from "../secrets/secret-keys.js";

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
  return JSON.stringify(redactArgumentValues(value, scrub));
}

/** `files__read_text_file` → `files.read_text_file`: the name the YAML and `tools list` use. */
export function shownToolName(wireName: string | null): string {
  return (wireName ?? "?").replace("__", ".");
}
