import { describe, expect, it } from "vitest";
import { REDACTED, SecretRegistry } from "../../src/secrets/secret-registry.js";

describe("SecretRegistry", () => {
  const token = "123456:AAbb-cc_dd/ee+ff";

  it("replaces a secret wherever it appears: plain, in a URL, URL-encoded, JSON-escaped", () => {
    const registry = new SecretRegistry().add(token);
    const texts = [
      `request to https://api.telegram.org/bot${token}/getMe failed`,
      `GET /bot${encodeURIComponent(token)}/x`,
      JSON.stringify({ err: { stack: `Error: ${token}\n    at x` } }),
      JSON.stringify(JSON.stringify({ url: `bot${token}` })),
    ];
    for (const text of texts) {
      const clean = registry.redact(text);
      expect(clean).toContain(REDACTED);
      expect(clean).not.toContain(token);
      expect(clean).not.toContain(encodeURIComponent(token));
      expect(clean).not.toContain("AAbb-cc_dd");
    }
  });

  it("a secret added later joins at once; the longest match wins over a prefix", () => {
    const registry = new SecretRegistry().add("short-secret");
    expect(registry.redact("x short-secret-and-more y")).toBe(`x ${REDACTED}-and-more y`);
    registry.add("short-secret-and-more");
    expect(registry.redact("x short-secret-and-more y")).toBe(`x ${REDACTED} y`);
  });

  it("ignores unset and very short values and leaves other text alone", () => {
    const registry = new SecretRegistry().add(undefined).add("").add("abc");
    expect(registry.size).toBe(0);
    expect(registry.redact("abc (a+b)*")).toBe("abc (a+b)*");
    registry.add("a.b*c(d)");
    expect(registry.redact("axb*c(d) a.b*c(d)")).toBe(`axb*c(d) ${REDACTED}`);
  });
});
