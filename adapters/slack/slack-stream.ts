import type { webApi } from "@slack/bolt";
import type { ChannelStream } from "../../src/gateway/channel.js";
import { holdLastGrapheme } from "../../src/gateway/graphemes.js";
import type { Logger } from "../../src/logger.js";
import { platformErrorOf, toChannelError } from "./slack-errors.js";
import { MAX_MRKDWN_LENGTH, toMrkdwnMessages } from "./slack-format.js";
import { isDirectChannel, type SlackTarget } from "./slack-keys.js";

/**
 * Slack reads `<!channel>`, `<@U1>` and `<#C1>` in streamed Markdown as pings and links: a zero-width
 * space after the `<` keeps what the model wrote as text.
 */
function defuse(markdown: string): string {
  return markdown.replace(/<([!@#])/g, "<\u200b$1");
}

/**
 * A streamed message takes at most what one posted message may hold (Slack takes 12,000 in a stream,
 * but every message of ours stays within 4,000); a longer answer is posted by the outbox instead.
 */
const MAX_STREAM_CHARS = 3600;

export interface StreamRecipient {
  user: string;
  team: string;
}

interface StreamOptions {
  client: webApi.WebClient;
  logger: Logger;
  target: SlackTarget;
  recipient: StreamRecipient | undefined;
  intervalMs: number;
  /** chat.startStream was refused: the workspace cannot stream; later turns use edited previews. */
  onRefused: () => void;
  /** The stream's message exists (chat.startStream answered): the core stores its ts. */
  onOpened?: (ts: string) => Promise<void>;
}

/**
 * Native streaming (`chat.startStream` → `appendStream` → `stopStream`), paced to one call per
 * interval. A stream is always stopped, also when the turn fails or is stopped. If Slack refuses to
 * start a stream, this turn falls back to one message updated with `chat.update` (and the adapter
 * remembers, so later turns get edited previews from the core). When a stream could not carry the
 * whole answer (too long, an append failed), it is removed and the outbox posts the answer.
 */
export class SlackStream implements ChannelStream {
  readonly #o: StreamOptions;
  #all = "";
  #pending = "";
  #streamed = 0;
  #ts: string | undefined;
  #previewTs: string | undefined;
  #mode: "native" | "fallback" | "broken" = "native";
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #lastAt = 0;
  #closed = false;

  constructor(options: StreamOptions) {
    this.#o = options;
  }

  append(delta: string): void {
    if (this.#closed || delta === "") return;
    this.#all += delta;
    this.#pending += delta;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastAt + this.#o.intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#chain = this.#chain.then(() => this.#flush());
    }, wait);
  }

  async finish(outcome: "completed" | "cancelled" | "failed" | "interrupted"): Promise<string | undefined> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    await this.#flush();
    const { client, target } = this.#o;
    // The finished answer's stream stays open: the outbox stops it once the answer is recorded.
    if (outcome === "completed" && this.#mode === "native" && this.#ts) return this.#ts;
    if (this.#ts) {
      const mark = outcome === "interrupted" ? { markdown_text: marker("interrupted") } : {};
      await client.chat.stopStream({ channel: target.channel, ts: this.#ts, ...mark }).catch((error: unknown) => {
        this.#o.logger.warn({ err: error }, "chat.stopStream failed");
      });
    }
    if (outcome !== "completed") return undefined;
    // The answer goes out through the outbox; what stood in for it goes away.
    const stale = this.#mode === "fallback" ? this.#previewTs : this.#ts;
    if (stale) await client.chat.delete({ channel: target.channel, ts: stale }).catch(() => undefined);
    return undefined;
  }

  async #flush(): Promise<void> {
    if (this.#pending === "") return;
    this.#lastAt = Date.now();
    if (this.#mode === "fallback") return this.#preview();
    if (this.#mode === "broken") return;
    if (this.#streamed + this.#pending.length > MAX_STREAM_CHARS) {
      this.#mode = "broken";
      return;
    }
    // A `<` at the end may start `<!channel>` in the next delta, and the last cluster may be half a flag:
    // they wait for it (unless this is the end).
    const held = this.#closed ? "" : this.#pending.endsWith("<") ? "<" : holdLastGrapheme(this.#pending).held;
    const chunk = defuse(this.#pending.slice(0, this.#pending.length - held.length));
    this.#pending = held;
    if (chunk === "") return;
    const { client, target, recipient } = this.#o;
    try {
      if (this.#ts === undefined) {
        const started = await client.chat.startStream({
          channel: target.channel,
          thread_ts: target.threadTs ?? "",
          markdown_text: chunk,
          ...(recipient && !isDirectChannel(target.channel)
            ? { recipient_user_id: recipient.user, recipient_team_id: recipient.team }
            : {}),
        });
        this.#ts = started.ts;
        if (started.ts) {
          await this.#o.onOpened?.(started.ts).catch((error: unknown) => {
            this.#o.logger.warn({ err: error }, "could not record the stream; a crash now leaves it unstopped");
          });
        }
      } else {
        await client.chat.appendStream({ channel: target.channel, ts: this.#ts, markdown_text: chunk });
      }
      this.#streamed += chunk.length;
    } catch (error) {
      const failure = toChannelError(error, this.#ts ? "chat.appendStream" : "chat.startStream");
      if (this.#ts === undefined && failure.code === "PERMANENT") {
        this.#o.logger.info({ error: failure.message }, "Slack refused streaming; using chat.update previews");
        this.#o.onRefused();
        this.#mode = "fallback";
        return this.#preview();
      }
      this.#o.logger.warn({ error: failure.message }, "streaming failed; the answer will be posted instead");
      this.#mode = "broken";
    }
  }

  /** The fallback: one message showing the answer so far, replaced by `chat.update`. */
  async #preview(): Promise<void> {
    this.#pending = "";
    const { client, target } = this.#o;
    const [first = ""] = toMrkdwnMessages(`${this.#all} …`, MAX_MRKDWN_LENGTH);
    try {
      if (this.#previewTs === undefined) {
        const posted = await client.chat.postMessage({
          channel: target.channel,
          ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
          text: first,
          mrkdwn: true,
        });
        this.#previewTs = posted.ts;
      } else {
        await client.chat.update({ channel: target.channel, ts: this.#previewTs, text: first });
      }
    } catch (error) {
      this.#o.logger.debug({ err: error }, "preview update skipped");
    }
  }
}

/** What ends a stream that did not finish its answer: `(interrupted)` on a line of its own. */
function marker(label: string): string {
  return `\n\n_(${label})_`;
}

/**
 * Stops a stream: a finished answer's as it is, one a dead process left open with `(label)` appended.
 * One already stopped is left as it is.
 */
export async function stopStream(
  client: webApi.WebClient,
  target: SlackTarget,
  ts: string,
  label: string | undefined,
): Promise<void> {
  try {
    await client.chat.stopStream({
      channel: target.channel,
      ts,
      ...(label === undefined ? {} : { markdown_text: marker(label) }),
    });
  } catch (error) {
    if (platformErrorOf(error) === "message_not_in_streaming_state") return;
    throw toChannelError(error, "chat.stopStream");
  }
}
