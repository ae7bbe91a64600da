import { createInterface, type Interface } from "node:readline";
import { Writable } from "node:stream";
import { UsageError } from "../errors.js";

/**
 * Questions on the terminal, one answer a line. Lines are buffered, so
 * answers piped in all at once (scripts, tests) are not lost between
 * questions; a secret is read without echo on a terminal.
 */
export class Prompter {
  readonly #output: NodeJS.WritableStream;
  readonly #rl: Interface;
  readonly #lines: AsyncIterator<string>;
  #muted = false;

  constructor(input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream) {
    this.#output = output;
    // readline echoes what is typed through this stream; muted while a secret is typed.
    const echo = new Writable({
      write: (chunk, _encoding, done) => {
        if (!this.#muted) output.write(chunk);
        done();
      },
    });
    this.#rl = createInterface({ input, output: echo, terminal: input.isTTY === true });
    this.#lines = this.#rl[Symbol.asyncIterator]();
  }

  /** Prints a line (not a question). */
  say(text: string): void {
    this.#output.write(`${text}\n`);
  }

  /** Asks until the answer is non-empty (or the default is taken with Enter). */
  async ask(
    question: string,
    options: { default?: string; secret?: boolean; optional?: boolean } = {},
  ): Promise<string> {
    for (;;) {
      const shown = options.default ? ` [${options.default}]` : "";
      this.#output.write(`${question}${shown}: `);
      this.#muted = options.secret === true;
      const next = await this.#lines.next();
      this.#muted = false;
      if (options.secret) this.#output.write("\n");
      if (next.done) throw new UsageError(`the input ended before "${question}" was answered`);
      const answer = next.value.trim() || options.default || "";
      if (answer !== "" || options.optional) return answer;
    }
  }

  /** A yes/no question; Enter takes the default. */
  async confirm(question: string, byDefault: boolean): Promise<boolean> {
    for (;;) {
      const answer = (await this.ask(`${question} (${byDefault ? "Y/n" : "y/N"})`, { optional: true })).toLowerCase();
      if (answer === "") return byDefault;
      if (["y", "yes"].includes(answer)) return true;
      if (["n", "no"].includes(answer)) return false;
    }
  }

  close(): void {
    this.#rl.close();
  }
}
