import { describe, expect, it } from "vitest";
import { splitMessage } from "../../src/gateway/message-splitter.js";

const fences = (text: string) => (text.match(/^\s*(`{3,}|~{3,})/gm) ?? []).length;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const squash = (text: string) => text.replace(/\s+/g, "");

function expectWithin(parts: string[], max: number): void {
  expect(parts.length).toBeGreaterThan(0);
  for (const part of parts) {
    expect(part.length).toBeLessThanOrEqual(max);
    expect(part.trim()).not.toBe("");
    expect(fences(part) % 2).toBe(0);
    expect(part).not.toMatch(loneSurrogate);
  }
}

const sentence = (n: number, width: number) => `Sentence ${n} `.padEnd(width - 1, "x").concat(".");

describe("splitMessage", () => {
  it("leaves a short text unchanged", () => {
    expect(splitMessage("hello", 100)).toEqual(["hello"]);
    const exact = "y".repeat(100);
    expect(splitMessage(exact, 100)).toEqual([exact]);
    expect(splitMessage("a\n\n```\ncode\n```", 100)).toEqual(["a\n\n```\ncode\n```"]);
  });

  it("refuses a maximum too small to hold a closed code block", () => {
    expect(() => splitMessage("text", 8)).toThrow(RangeError);
  });

  it("cuts between paragraphs first", () => {
    const paragraphs = [sentence(1, 60), sentence(2, 60), sentence(3, 30)];
    const parts = splitMessage(paragraphs.join("\n\n"), 100);
    expectWithin(parts, 100);
    expect(parts).toEqual([paragraphs[0], `${paragraphs[1]}\n\n${paragraphs[2]}`]);
  });

  it("cuts a long paragraph between lines before cutting inside one", () => {
    const lines = Array.from({ length: 8 }, (_, i) => sentence(i, 30));
    const parts = splitMessage(lines.join("\n"), 100);
    expectWithin(parts, 100);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    // Every line survives whole in exactly one part.
    for (const line of lines) expect(parts.filter((part) => part.split("\n").includes(line))).toHaveLength(1);
    expect(squash(parts.join(""))).toBe(squash(lines.join("")));
  });

  it("cuts an overlong line between words, never inside one", () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
    const parts = splitMessage(words.join(" "), 50);
    expectWithin(parts, 50);
    expect(parts.join(" ").split(" ")).toEqual(words);
  });

  it("never leaves a code block open in any part", () => {
    const code = Array.from({ length: 6 }, (_, i) => `  const value${i} = compute(${i}); // step ${i}`).join("\n");
    const text = `Intro paragraph that explains the code below in a few words.\n\n\`\`\`ts\n${code}\n\`\`\`\n\nAfterword that closes the answer.`;
    const parts = splitMessage(text, 120);
    expectWithin(parts, 120);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts.filter((p) => p.includes("compute("))) {
      expect(part).toMatch(/^```ts\n[\s\S]*\n```$/);
    }
    expect(parts[0]).toBe("Intro paragraph that explains the code below in a few words.");
    expect(parts.at(-1)).toContain("Afterword that closes the answer.");
  });

  it("turns a huge code block into several closed blocks with the same fence", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `print("line ${i}")`);
    const text = `~~~python\n${lines.join("\n")}\n~~~`;
    const parts = splitMessage(text, 200);
    expectWithin(parts, 200);
    expect(parts.length).toBeGreaterThanOrEqual(20);
    for (const part of parts) {
      expect(part.startsWith("~~~python\n")).toBe(true);
      expect(part.endsWith("\n~~~")).toBe(true);
    }
    const inner = parts.flatMap((part) => part.split("\n").slice(1, -1));
    expect(inner).toEqual(lines);
  });

  it("closes a code block the model left open", () => {
    const text = `Start.\n\n\`\`\`\n${"x = 1\n".repeat(40)}`;
    const parts = splitMessage(text, 80);
    expectWithin(parts, 80);
    expect(parts.slice(1).every((part) => part.startsWith("```\n") && part.endsWith("\n```"))).toBe(true);
  });

  it("cuts a code line longer than a part without opening the block", () => {
    const text = `\`\`\`\n${"a".repeat(300)}\n\`\`\``;
    const parts = splitMessage(text, 64);
    expectWithin(parts, 64);
    expect(parts.map((part) => part.replace(/^```\n|\n```$/g, "")).join("")).toBe("a".repeat(300));
  });

  it("never splits a surrogate pair", () => {
    const emoji = "😀🎉👍🏽🚀".repeat(40);
    for (const max of [17, 21, 33]) {
      const parts = splitMessage(emoji, max);
      expectWithin(parts, max);
      expect(parts.join("")).toBe(emoji);
    }
    const mixed = `${"é😀".repeat(30)} ${"🎉".repeat(30)}`;
    const parts = splitMessage(mixed, 19);
    expectWithin(parts, 19);
    expect(squash(parts.join(""))).toBe(squash(mixed));
  });

  it("keeps surrogate pairs whole inside code blocks too", () => {
    const text = `\`\`\`\n${"🙂".repeat(200)}\n\`\`\``;
    const parts = splitMessage(text, 41);
    expectWithin(parts, 41);
    expect(parts.map((part) => part.replace(/^```\n|\n```$/g, "")).join("")).toBe("🙂".repeat(200));
  });
});
