import { describe, expect, it } from "vitest";
import { stripThink, ThinkFilter } from "../../src/agent/think-filter.js";

/** Streams `pieces` through a fresh filter; returns each push's output and the flushed tail. */
function stream(pieces: readonly string[]): { outputs: string[]; tail: string; visible: string } {
  const filter = new ThinkFilter();
  const outputs = pieces.map((piece) => filter.push(piece));
  const tail = filter.flush();
  return { outputs, tail, visible: outputs.join("") + tail };
}

/** Every way to cut `text` into three pieces (empty pieces included). */
function* threeWaySplits(text: string): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j++) {
      yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
    }
  }
}

describe("ThinkFilter", () => {
  it("passes plain text through unchanged, chunk by chunk", () => {
    expect(stream(["Hello", ", ", "world"]).outputs).toEqual(["Hello", ", ", "world"]);
  });

  it("removes a think block in a single chunk", () => {
    expect(stream(["before<think>hidden</think>after"]).visible).toBe("beforeafter");
  });

  it("removes a think block whose tags are split at every possible position", () => {
    const text = "before<think>hidden</think>after";
    for (const pieces of threeWaySplits(text)) {
      const { outputs, visible } = stream(pieces);
      expect(visible, JSON.stringify(pieces)).toBe("beforeafter");
      for (const output of outputs) expect(output, JSON.stringify(pieces)).not.toMatch(/hidden|<|>/);
    }
  });

  it("removes a think block streamed one character at a time", () => {
    const { outputs, visible } = stream([..."A<think>x < y</think>B<think>two</think>C"]);
    expect(visible).toBe("ABC");
    expect(outputs.join("")).toBe("ABC");
  });

  it("removes several think blocks", () => {
    expect(stream(["one<think>a</think>two<think>b</think>three"]).visible).toBe("onetwothree");
  });

  it("holds back only a tail that could start a tag", () => {
    const filter = new ThinkFilter();
    expect(filter.push("abc<th")).toBe("abc");
    expect(filter.push("e end")).toBe("<the end");
    expect(filter.flush()).toBe("");
  });

  it("releases a held-back partial tag at flush when the stream ends", () => {
    const { outputs, tail } = stream(["x <thi"]);
    expect(outputs).toEqual(["x "]);
    expect(tail).toBe("<thi");
  });

  it("drops an unclosed think block", () => {
    expect(stream(["answer <think>never", " closed </thi"]).visible).toBe("answer ");
  });

  it("keeps '<' that does not start a think tag", () => {
    const text = "if a < b and <b>bold</b> or <thinking> or <thin ice>, 3<4";
    expect(stream([text]).visible).toBe(text);
    for (const pieces of threeWaySplits(text)) {
      expect(stream(pieces).visible, JSON.stringify(pieces)).toBe(text);
    }
  });

  it("keeps text after a think block that follows a lone '<'", () => {
    expect(stream(["a <", "<think>x</think>", "b"]).visible).toBe("a <b");
  });
});

describe("stripThink", () => {
  it("removes think blocks and trims the rest", () => {
    expect(stripThink("<think>\nplan the answer\n</think>\n\nThe answer is 42.  ")).toBe("The answer is 42.");
  });

  it("drops an unclosed think block", () => {
    expect(stripThink("Partial answer. <think>still thinking")).toBe("Partial answer.");
  });

  it("keeps text without think blocks, '<' included", () => {
    expect(stripThink("x <y and <think")).toBe("x <y and <think");
  });

  it("returns an empty string when everything was thinking", () => {
    expect(stripThink("<think>only thoughts</think>")).toBe("");
  });
});
