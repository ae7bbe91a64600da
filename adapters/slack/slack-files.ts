import type { webApi } from "@slack/bolt";
import { type Attachment, ChannelError } from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";
import { boundedDownload } from "../shared/bounded-download.js";
import { toChannelError } from "./slack-errors.js";
import type { SlackFile } from "./slack-events.js";
import type { SlackTarget } from "./slack-keys.js";

/** The same limits as Telegram's, so a model sees the same inputs whatever the channel. */
export const FILE_LIMITS = {
  maxFiles: 10,
  maxImages: 10,
  maxFileBytes: 4 * 1024 * 1024,
  maxImageBytes: 10 * 1024 * 1024,
  /** Characters of a text file put into the prompt; the rest is cut with a marker. */
  maxInlineChars: 200_000,
};

const TEXT_TYPES = /^(?:text\/|application\/(?:json|xml|x-yaml|yaml|javascript|x-sh|sql|csv|x-ndjson|toml))/;
const TEXT_NAMES = /\.(?:txt|md|csv|tsv|json|ya?ml|xml|log|py|ts|js|sh|sql|toml|ini|html?|css)$/i;

/**
 * Files people share: downloaded from `url_private` with the bot token (only from Slack's own hosts),
 * images as base64 for vision models, text-like files inlined, anything else named but not read.
 * Files over the limits are skipped with a notice the model (and so the person) sees.
 */
export class SlackFiles {
  readonly #token: string;
  readonly #trustedOrigins: ReadonlySet<string>;
  readonly #client: webApi.WebClient;
  readonly #logger: Logger;

  constructor(options: { token: string; apiUrl: string; client: webApi.WebClient; logger: Logger }) {
    this.#token = options.token;
    this.#trustedOrigins = new Set(["https://files.slack.com", new URL(options.apiUrl).origin]);
    this.#client = options.client;
    this.#logger = options.logger;
  }

  async download(files: readonly SlackFile[]): Promise<{ attachments: Attachment[]; notices: string[] }> {
    const attachments: Attachment[] = [];
    const notices: string[] = [];
    let images = 0;
    for (const [index, file] of files.entries()) {
      if (index >= FILE_LIMITS.maxFiles) {
        notices.push(`[${files.length - index} more file(s) skipped: at most ${FILE_LIMITS.maxFiles} per message]`);
        break;
      }
      const image = file.mimetype.startsWith("image/");
      const limit = image ? FILE_LIMITS.maxImageBytes : FILE_LIMITS.maxFileBytes;
      const base = { name: file.name, mimeType: file.mimetype, size: file.size };
      if (file.size > limit) {
        notices.push(`[file ${file.name} skipped: larger than ${limit / 1024 / 1024} MB]`);
        continue;
      }
      if (image && ++images > FILE_LIMITS.maxImages) {
        notices.push(`[image ${file.name} skipped: at most ${FILE_LIMITS.maxImages} images per message]`);
        continue;
      }
      const text = !image && (TEXT_TYPES.test(file.mimetype) || TEXT_NAMES.test(file.name));
      if (!image && !text) {
        attachments.push({ ...base, kind: "unsupported" });
        continue;
      }
      const bytes = await this.#fetch(file, limit);
      if (bytes === "too-big") {
        notices.push(`[file ${file.name} skipped: larger than ${limit / 1024 / 1024} MB]`);
        continue;
      }
      if (!bytes) {
        notices.push(`[file ${file.name} could not be downloaded]`);
        continue;
      }
      const size = { size: bytes.length };
      if (image) {
        attachments.push({ ...base, ...size, kind: "image", data: bytes.toString("base64") });
        continue;
      }
      const content = bytes.toString("utf8");
      const cut = content.length > FILE_LIMITS.maxInlineChars;
      if (cut) notices.push(`[file ${file.name}: only its first 200,000 characters are read]`);
      const data = cut ? `${content.slice(0, FILE_LIMITS.maxInlineChars)}\n[…cut]` : content;
      attachments.push({ ...base, ...size, kind: "text", data });
    }
    return { attachments, notices };
  }

  /** Uploads a generated file into a thread: get an upload URL, POST the bytes, complete. */
  async upload(target: SlackTarget, name: string, bytes: Buffer, title = name, comment?: string): Promise<string> {
    try {
      const ticket = await this.#client.files.getUploadURLExternal({ filename: name, length: bytes.length });
      if (!ticket.upload_url || !ticket.file_id) throw new ChannelError("TRANSIENT", "no upload URL");
      const response = await fetch(ticket.upload_url, {
        method: "POST",
        body: bytes,
        signal: AbortSignal.timeout(60_000),
      });
      if (!response.ok) throw new ChannelError("TRANSIENT", `file upload: HTTP ${response.status}`);
      await this.#client.files.completeUploadExternal({
        files: [{ id: ticket.file_id, title }],
        channel_id: target.channel,
        ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
        ...(comment ? { initial_comment: comment } : {}),
      });
      return ticket.file_id;
    } catch (error) {
      throw toChannelError(error, "files.upload");
    }
  }

  /** The file's bytes, counted as they arrive (the `size` in the event is not trusted), or why not. */
  async #fetch(file: SlackFile, limit: number): Promise<Buffer | "too-big" | undefined> {
    if (!file.urlPrivate) return undefined;
    // The bot token goes to Slack's own hosts only, and so do redirects.
    const result = await boundedDownload(file.urlPrivate, {
      maxBytes: limit,
      timeoutMs: 20_000,
      origins: this.#trustedOrigins,
      headers: { authorization: `Bearer ${this.#token}` },
    });
    if (result.ok) return result.bytes;
    if (result.reason !== "too-big") {
      this.#logger.warn({ file: file.id, reason: result.reason, error: result.detail }, "Slack file download failed");
    }
    return result.reason === "too-big" ? "too-big" : undefined;
  }
}
