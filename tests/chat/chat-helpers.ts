import { expect } from "vitest";
import { type CliResult, type CliSandbox, type EnvOverrides, lines, type RunningCli, waitFor } from "../cli/run-cli.js";

/** `gateway chat` with its standard input piped from the test. */
export class ChatProcess {
  readonly running: RunningCli;

  constructor(box: CliSandbox, args: string[] = [], env: EnvOverrides = {}) {
    this.running = box.spawn(["chat", ...args], env, { stdin: "pipe" });
  }

  get stdout(): string {
    return this.running.output().stdout;
  }

  get stderr(): string {
    return this.running.output().stderr;
  }

  /** Types lines, as if entered one after another. */
  type(...typed: string[]): void {
    this.running.child.stdin?.write(typed.map((line) => `${line}\n`).join(""));
  }

  /** Waits until stdout contains `text`. */
  async shows(text: string): Promise<void> {
    await waitFor(
      () => this.stdout.includes(text),
      () => `"${text}" on stdout; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
    );
  }

  /** Ends standard input (Ctrl-D), without waiting. */
  closeInput(): void {
    const stdin = this.running.child.stdin;
    if (stdin && !stdin.writableEnded) stdin.end();
  }

  /** Ends standard input (Ctrl-D) and waits for the process to exit; fails (and kills it) if it does not. */
  async end(): Promise<CliResult> {
    this.closeInput();
    return this.running.tracked.waitForExit("gateway chat, after its input ended,");
  }

  kill(): void {
    this.running.tracked.killGroup();
  }
}

/** Types the lines, ends the input and expects a clean exit; returns what the chat printed. */
export async function chat(box: CliSandbox, typed: string[], args: string[] = []): Promise<CliResult> {
  const term = new ChatProcess(box, args);
  try {
    term.type(...typed);
    const result = await term.end();
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
    return result;
  } finally {
    term.kill();
  }
}

/** A failure: exit 1, nothing on stdout, one line on stderr. */
export function oneLineFailure(result: CliResult): string {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(lines(result.stderr), result.stderr).toHaveLength(1);
  return result.stderr;
}

/** How often `part` occurs in `text`. */
export function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}
