import { describe, expect, it } from "vitest";
import { countTokens } from "../../src/memory/token-counter.js";

/** Counts exactly as the counter does for short texts, one piece at a time, to compare estimates with. */
function piecewise(text: string, size: number): number {
  let tokens = 0;
  for (let at = 0; at < text.length; at += size) tokens += countTokens(text.slice(at, at + size));
  return tokens;
}

describe("countTokens", () => {
  it("counts ordinary text exactly and caches nothing wrong", () => {
    expect(countTokens("")).toBe(0);
    expect(countTokens("hello world")).toBe(2);
    expect(countTokens("hello world")).toBe(2);
  });

  // Before: BPE merging took the square of a run's length (50,000 CJK characters: 11 s), so these ran
  // for minutes to hours on the event loop. The vitest timeout fails them if the cost is not bounded.
  it.each([
    ["a 900 KB one-letter word", "a".repeat(900_000)],
    ["5 MB of CJK without spaces", "漢字かな交じり文".repeat(625_000)],
    ["a 12,000-letter word (counted exactly)", "xyz".repeat(4_000)],
  ])("counts %s in bounded time, close to the exact figure", (_, text) => {
    const tokens = countTokens(text);
    const reference = piecewise(text, 4_096);
    expect(tokens).toBeGreaterThan(reference * 0.9);
    expect(tokens).toBeLessThan(reference * 1.1);
  });

  it("estimates long mixed text from samples within a tenth of its exact count", () => {
    const prose = "The quick brown fox jumps over the lazy dog, 1234 times; ".repeat(2_000);
    const tokens = countTokens(prose);
    const reference = piecewise(prose, 8_000);
    expect(Math.abs(tokens - reference) / reference).toBeLessThan(0.1);
  });
});
