import { accessSync, constants, existsSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { StoreError } from "../../errors.js";

/**
 * Why SQLite cannot write a database file, said so that an operator can fix
 * it: the path, what is read-only, and what to do. Checked before SQLite opens
 * the file, whose own word for all of these is "unable to open database file"
 * or "attempt to write a readonly database".
 */
export function unwritableReason(path: string): string | undefined {
  if (path === ":memory:") return undefined;
  const who = userOf();
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file) && !writable(file)) {
      return `database ${file} is read-only for this process (${who}): make it writable for that user (chown or chmod u+w ${file}), or set GATEWAY_DB to a writable path`;
    }
  }
  const folder = dirname(path);
  if (existsSync(folder) && !writable(folder)) {
    return `the folder ${folder} of database ${path} is not writable for this process (${who}): SQLite creates ${basename(path)}-wal and ${basename(path)}-shm beside the database; make the folder writable for that user (chown or chmod u+w ${folder}), or set GATEWAY_DB to a writable path`;
  }
  return undefined;
}

/** Throws a {@link StoreError} `STORE_READONLY` when the database cannot be written (see {@link unwritableReason}). */
export function assertWritable(path: string): void {
  const reason = unwritableReason(path);
  if (reason) throw new StoreError("STORE_READONLY", reason);
}

/** A SQLite error that means "read-only" or "cannot open", explained for this path; undefined for others. */
export function explainOpenFailure(path: string, error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !/^SQLITE_(READONLY|CANTOPEN|PERM)/.test(code)) return undefined;
  return (
    unwritableReason(path) ??
    `database ${path} cannot be opened for writing (${code}): check that its folder exists and that this process (${userOf()}) may write the file and create files beside it, or set GATEWAY_DB to a writable path`
  );
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function userOf(): string {
  return typeof process.getuid === "function" ? `uid ${process.getuid()}` : "this user";
}

/** Which file a path names: the same device and inode is the same file, whatever its name. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path` now; undefined when there is none. */
export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Whether the file at `path` is still the one we opened: a deleted database
 * keeps working from the unlinked inode while every other process (the CLI,
 * the next start) sees another file or none, so the two silently part ways.
 * Returns the problem in words, or undefined while all is well.
 */
export function identityProblem(path: string, opened: FileIdentity): string | undefined {
  const now = fileIdentity(path);
  if (!now) return `the database file ${path} was deleted while the gateway was running`;
  if (now.dev !== opened.dev || now.ino !== opened.ino) {
    return `the database file ${path} was replaced by another file while the gateway was running`;
  }
  return undefined;
}
