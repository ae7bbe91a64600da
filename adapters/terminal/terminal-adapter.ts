import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import {
  type ChannelAdapter,
  ChannelError,
  type ChannelHost,
  type ChannelLimits,
  type ChannelStatus,
  type ChannelStream,
  type OutboundFile,
  type OutboundMessage,
} from "../../src/gateway/channel.js";

export interface TerminalOptions {
  input: Readable;
  output: Writable;
  /** The one conversation this terminal is: `cli:<session id>`. */
  conversationKey: string;
  /** The local user's display name. */
  userName: string;
  /** Standard input ended (Ctrl-D, or the end of piped input). */
  onInputEnd: () => void;
  /** Where files sent to this terminal are written (the CLI's `downloads` folder beside the database). */
  downloadsDir?: string;
}

/**
 * The terminal as a channel (`gateway chat`): every line typed is a message,
 * answers stream as they are written, commands start with `/`. Typing while
 * an answer streams queues the line like any chat message.
 */
export class TerminalAdapter implements ChannelAdapter {
  readonly name = "cli";
  readonly limits: ChannelLimits;
  readonly #options: TerminalOptions;
  #readline: Interface | undefined;
  #state: ChannelStatus = { state: "stopped" };
  #nextId = 1;
  /** Lines are taken one after another, so replies come in the order things were typed. */
  #intake: Promise<unknown> = Promise.resolve();
  /** The last message's buttons as typed answers (`y` → `approve 3`), until one is typed. */
  #choices = new Map<string, string>();

  constructor(options: TerminalOptions) {
    this.#options = options;
    this.limits = {
      maxMessageLength: 100_000,
      editIntervalMs: 0,
      sendIntervalMs: 0,
      format: "markdown",
      previews: false,
      commandPrefix: "/",
      access: "open",
      // Files are written to disk, so only where there is a folder for them.
      ...(options.downloadsDir ? { maxFileBytes: 50 * 1024 * 1024 } : {}),
    };
  }

  async start(host: ChannelHost): Promise<void> {
    const { input, output, conversationKey, userName } = this.#options;
    const interactive = (input as { isTTY?: boolean }).isTTY === true;
    this.#readline = createInterface({
      input,
      ...(interactive ? { output, prompt: "> " } : {}),
      terminal: interactive,
    });
    this.#readline.on("line", (line) => {
      const typed = line.trim();
      if (typed === "") return;
      // A choice offered under the last message (`y` / `n`) is the command its button runs.
      const choice = this.#choices.get(typed.toLowerCase());
      if (choice) this.#choices.clear();
      const text = choice ? `/${choice}` : typed;
      this.#intake = this.#intake.then(() =>
        host
          .accept({
            channel: this.name,
            conversationKey,
            sender: { id: "local", name: userName },
            text,
            addressed: true,
            deliveryKeys: [`cli:line:${randomUUID()}`],
            chat: { id: conversationKey, group: false },
          })
          .catch((error: unknown) => this.#write(`error: ${(error as Error).message}\n`)),
      );
    });
    this.#readline.on("close", () => this.#options.onInputEnd());
    this.#state = { state: "running" };
    this.#prompt();
  }

  async stop(): Promise<void> {
    this.#readline?.close();
    this.#state = { state: "stopped" };
  }

  status(): ChannelStatus {
    return this.#state;
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    this.#write(`${message.text}\n`);
    const buttons = message.buttons ?? [];
    if (buttons.length > 0) {
      const keyed = buttons.map((button, index) => [button.key ?? String(index + 1), button] as const);
      this.#choices = new Map(keyed.map(([key, button]) => [key.toLowerCase(), button.command]));
      this.#write(`${keyed.map(([key, button]) => `[${key}] ${button.label}`).join("  ")}\n`);
    }
    this.#prompt();
    return { messageId: `t${this.#nextId++}` };
  }

  /** A file for the user: written to the downloads folder under a fresh name, its path printed. */
  async sendFile(file: OutboundFile): Promise<{ messageId: string }> {
    const dir = this.#options.downloadsDir;
    if (!dir) throw new ChannelError("PERMANENT", "this terminal has no folder for files");
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${Date.now()}-${basename(file.name)}`);
    await writeFile(path, file.bytes, { flag: "wx" });
    this.#write(`${file.caption ? `${file.caption}\n` : ""}file: ${path}\n`);
    this.#prompt();
    return { messageId: `t${this.#nextId++}` };
  }

  async edit(_conversationKey: string, _messageId: string, text: string): Promise<void> {
    this.#write(`${text}\n`);
  }

  async delete(): Promise<void> {}

  openStream(): ChannelStream {
    return {
      append: (delta) => this.#write(delta),
      finish: async (outcome) => {
        this.#write("\n");
        this.#prompt();
        return outcome === "completed" ? `t${this.#nextId++}` : undefined;
      },
    };
  }

  #write(text: string): void {
    this.#options.output.write(text);
  }

  #prompt(): void {
    if (this.#state.state === "running") this.#readline?.prompt(true);
  }
}
