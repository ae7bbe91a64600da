import type { Api } from "grammy";
import type { Attachment } from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";
import { boundedDownload } from "../shared/bounded-download.js";
import type { FileRef } from "./telegram-updates.js";

/** What one message may bring; anything over a limit is skipped with a notice. */
export const FILE_LIMITS = {
  maxImages: 10,
  maxFiles: 10,
  maxImageBytes: 10 * 1024 * 1024,
  maxFileBytes: 4 * 1024 * 1024,
  /** Characters of a text file put into the prompt; the rest is cut with a marker. */
  maxInlineChars: 200_000,
} as const;

const MB = 1024 * 1024;
/** The whole download, getFile's answer to the last byte. */
const DOWNLOAD_TIMEOUT_MS = 30_000;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-yaml|yaml|javascript|x-sh|sql|toml|x-python|csv))/;
const TEXT_NAMES =
  /\.(txt|md|markdown|csv|tsv|json|jsonl|ya?ml|xml|html?|css|js|mjs|cjs|ts|tsx|jsx|py|rb|go|rs|java|kt|swift|c|h|cc|cpp|hpp|cs|php|sh|bash|zsh|sql|toml|ini|cfg|conf|log|env|gitignore|dockerfile)$/i;

/** The files of a message, read and within limits, and the notices for what was skipped. */
export interface FetchedFiles {
  attachments: Attachment[];
  notices: string[];
}

/**
 * Downloads a message's files through `getFile` on the configured API root. Never throws: a file
 * that is too big, of a kind we cannot read, or that fails to download becomes a notice, so the
 * message itself is always accepted.
 */
export class TelegramFiles {
  readonly #api: Api;
  readonly #fileRoot: string;
  readonly #logger: Logger;

  /** `fileRoot` is `<api root>/file/bot<token>`; it holds the token and is never logged. */
  constructor(api: Api, fileRoot: string, logger: Logger) {
    this.#api = api;
    this.#fileRoot = fileRoot;
    this.#logger = logger;
  }

  async fetch(refs: readonly FileRef[]): Promise<FetchedFiles> {
    const attachments: Attachment[] = [];
    const notices: string[] = [];
    let images = 0;
    let files = 0;
    for (const ref of refs) {
      const kind = kindOf(ref);
      if (kind === "unsupported") {
        attachments.push({ kind, name: ref.name, mimeType: ref.mimeType, size: ref.size ?? 0 });
        notices.push(`${ref.name}: only images and text files can be read so far.`);
        continue;
      }
      const isImage = kind === "image";
      if (isImage ? images >= FILE_LIMITS.maxImages : files >= FILE_LIMITS.maxFiles) {
        notices.push(`${ref.name}: skipped, at most ${isImage ? "10 images" : "10 files"} a message.`);
        continue;
      }
      const limit = isImage ? FILE_LIMITS.maxImageBytes : FILE_LIMITS.maxFileBytes;
      const tooBig = `${ref.name}: skipped, ${isImage ? "images" : "files"} over ${limit / MB} MB are not read.`;
      if (ref.size !== undefined && ref.size > limit) {
        notices.push(tooBig);
        continue;
      }
      const bytes = await this.#download(ref, limit);
      if (bytes === "too-big") notices.push(tooBig);
      else if (bytes === undefined) notices.push(`${ref.name}: could not be downloaded from Telegram.`);
      else if (isImage) {
        images++;
        attachments.push({
          kind,
          name: ref.name,
          mimeType: ref.mimeType,
          size: bytes.length,
          data: bytes.toString("base64"),
        });
      } else {
        const text = bytes.toString("utf8");
        if (text.includes("\u0000")) {
          notices.push(`${ref.name}: not a text file; only images and text files can be read so far.`);
          continue;
        }
        files++;
        const cut = text.length > FILE_LIMITS.maxInlineChars;
        if (cut)
          notices.push(
            `${ref.name}: only its first ${FILE_LIMITS.maxInlineChars.toLocaleString("en")} characters are read.`,
          );
        const data = cut ? `${text.slice(0, FILE_LIMITS.maxInlineChars)}\n[…cut]` : text;
        attachments.push({ kind, name: ref.name, mimeType: ref.mimeType, size: bytes.length, data });
      }
    }
    return { attachments, notices };
  }

  async #download(ref: FileRef, limit: number): Promise<Buffer | "too-big" | undefined> {
    try {
      const file = await this.#api.getFile(ref.fileId);
      if (file.file_size !== undefined && file.file_size > limit) return "too-big";
      if (!file.file_path) return undefined;
      // Counted as it arrives: what getFile said about the size is not trusted.
      const result = await boundedDownload(`${this.#fileRoot}/${file.file_path}`, {
        maxBytes: limit,
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
        origins: new Set([new URL(this.#fileRoot).origin]),
      });
      if (result.ok) return result.bytes;
      if (result.reason === "too-big") return "too-big";
      throw new Error(`download ${result.reason}: ${result.detail}`);
    } catch (error) {
      if (error instanceof Error && /file is too big/i.test(error.message)) return "too-big";
      this.#logger.warn({ file: ref.name, error: (error as Error).message }, "telegram file not downloaded");
      return undefined;
    }
  }
}

function kindOf(ref: FileRef): Attachment["kind"] {
  if (ref.kind === "photo" || (ref.kind === "document" && IMAGE_TYPES.has(ref.mimeType))) return "image";
  if (ref.kind === "document" && (TEXT_TYPES.test(ref.mimeType) || TEXT_NAMES.test(ref.name))) return "text";
  return "unsupported";
}
