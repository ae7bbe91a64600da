import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { GatewayError } from "../errors.js";
import type { OutboxFile } from "../store/types.js";

/** The folder is full or the file too large: the tool tells the model instead of storing it. */
export class FileFolderError extends GatewayError {
  constructor(message: string) {
    super("FILE_REFUSED", message);
  }
}

export interface FileFolderLimits {
  /** The largest single file. */
  maxFileBytes: number;
  /** All files waiting together; a file that would pass it is refused until uploads free space. */
  maxTotalBytes: number;
}

export const defaultFileLimits: FileFolderLimits = { maxFileBytes: 50 * 1024 * 1024, maxTotalBytes: 500 * 1024 * 1024 };

/**
 * Files waiting to go to a chat, in a folder beside the database (never inside it: a 20 MB PDF would bloat
 * every backup and the WAL). Each file is written once under a fresh name and removed after its upload.
 */
export class FileFolder {
  readonly dir: string;
  readonly limits: FileFolderLimits;

  /** `folder`: `files` for uploads waiting in the outbox, `downloads` for what the CLI keeps for its user. */
  constructor(databasePath: string, limits: FileFolderLimits = defaultFileLimits, folder = "files") {
    this.dir = join(dirname(databasePath), folder);
    this.limits = limits;
  }

  /** Stores bytes under a new name that keeps the file's extension; throws {@link FileFolderError} when over a limit. */
  save(name: string, mimeType: string, bytes: Buffer): OutboxFile {
    const { maxFileBytes, maxTotalBytes } = this.limits;
    if (bytes.length > maxFileBytes) {
      throw new FileFolderError(
        `the file is ${megabytes(bytes.length)}; files may be at most ${megabytes(maxFileBytes)}`,
      );
    }
    mkdirSync(this.dir, { recursive: true });
    if (this.usedBytes() + bytes.length > maxTotalBytes) {
      throw new FileFolderError(
        `the files folder is full (${megabytes(maxTotalBytes)}); try again once files went out`,
      );
    }
    const safeName =
      basename(name)
        .replace(/[^\w.\- ]/g, "_")
        .slice(-100) || "file";
    const path = join(this.dir, `${Date.now()}-${randomBytes(4).toString("hex")}${extname(safeName).slice(0, 12)}`);
    writeFileSync(path, bytes, { flag: "wx" });
    return { path, name: safeName, mimeType, size: bytes.length };
  }

  /** Forgets a file once uploaded (or given up on); a file already gone is fine. */
  remove(file: OutboxFile): void {
    if (dirname(file.path) === this.dir) rmSync(file.path, { force: true });
  }

  usedBytes(): number {
    try {
      return readdirSync(this.dir).reduce((sum, entry) => sum + statSync(join(this.dir, entry)).size, 0);
    } catch {
      return 0;
    }
  }
}

/** A size as people read it: `3 kB`, `1.5 MB`, `50 MB`. */
export function megabytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} kB`;
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
