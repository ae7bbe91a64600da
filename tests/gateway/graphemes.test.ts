import { describe, expect, it } from "vitest";
import {
  cutPoint,
  graphemeBoundary,
  graphemePrefix,
  graphemeSuffix,
  holdLastGrapheme,
} from "../../src/gateway/graphemes.js";
import { splitMessage } from "../../src/gateway/message-splitter.js";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
/** The grapheme clusters of a text, as the full segmenter sees them. */
const clusters = (text: string) => [...segmenter.segment(text)].map(({ segment }) => segment);
/** Every part is a whole number of the text's clusters, and together they are the text. */
function expectWhole(parts: string[], text: string): void {
  const all = new Set(clusters(text));
  for (const part of parts) for (const cluster of clusters(part)) expect(all.has(cluster)).toBe(true);
  expect(parts.join("")).toBe(text);
}

const flag = "🇩🇪";
const family = "👨‍👩‍👧‍👦";
const accented = "e\u0301\u0323";
const thumbs = "👍🏽";

describe("grapheme-safe cuts", () => {
  it.each([
    ["flags", flag, 7],
    ["flags after an odd letter", `x${flag.repeat(40)}`, 7],
    ["ZWJ families", family, 13],
    ["combining accents", accented, 10],
    ["skin tones", thumbs, 9],
  ])("splitMessage never cuts %s", (_, unit, max) => {
    const text = unit.repeat(Math.ceil(300 / unit.length));
    const parts = splitMessage(text, Math.max(16, max));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(Math.max(16, max));
    expectWhole(parts, text);
  });

  it("finds the flag pairs of a long run by counting from its start", () => {
    const text = `a${flag.repeat(5000)}`;
    for (const at of [2, 3, 4, 5, 6, 9999, 10_000, 10_001]) {
      const cut = graphemeBoundary(text, at);
      expect((cut - 1) % 4).toBe(0);
      expect(cut).toBeLessThanOrEqual(at);
    }
  });

  it("cuts a cluster longer than the window between code points, and always makes progress", () => {
    const tower = `a${"\u0301".repeat(200)}`;
    const cut = cutPoint(tower, 100, 0);
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThanOrEqual(100);
    expect(cutPoint(tower, 1, 0)).toBe(1);
  });

  it("keeps prefixes, suffixes and held stream ends whole", () => {
    const text = `${family}${flag}${accented}`;
    for (let max = 1; max <= text.length; max++) {
      const prefix = graphemePrefix(text, max);
      const suffix = graphemeSuffix(text, max);
      expect(prefix.length).toBeLessThanOrEqual(Math.max(max, family.length));
      expect(suffix.length).toBeLessThanOrEqual(max);
      expect(text.startsWith(prefix) && text.endsWith(suffix)).toBe(true);
      if (prefix.length >= family.length) expectWhole([prefix, text.slice(prefix.length)], text);
      expectWhole([text.slice(0, text.length - suffix.length), suffix], text);
    }
    expect(holdLastGrapheme(`ok ${flag}`)).toEqual({ ready: "ok ", held: flag });
    expect(holdLastGrapheme("🇩")).toEqual({ ready: "", held: "🇩" });
  });

  it("splits a 900 KB word without segmenting all of it", () => {
    const text = "a".repeat(900_000);
    const parts = splitMessage(text, 4000);
    expect(parts).toHaveLength(225);
    expect(parts.join("")).toBe(text);
  });
});
