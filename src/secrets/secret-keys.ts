/** Argument names whose values are credentials, whatever tool takes them. */
const SECRET_KEY = /token|secret|passw(or)?d|authorization|api[_-]?key|cookie|credential|private[_-]?key/i;

/**
 * A tool call's arguments (parsed JSON) for people to see: values under secret-looking keys become
 * `[redacted]`, and every string passes through `scrub` (which removes known secret values).
 */
export function redactArgumentValues(value: unknown, scrub: (text: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => redactArgumentValues(item, scrub));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key) ? "[redacted]" : redactArgumentValues(inner, scrub),
      ]),
    );
  }
  return typeof value === "string" ? scrub(value) : value;
}
