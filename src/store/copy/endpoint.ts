import type { CopiedRow, CopiedTable } from "./tables.js";

/** One side of a copy: a database of either backend, at the newest schema. */
export interface CopyEndpoint {
  /** For messages: a path, or a URL with its password masked. */
  readonly location: string;
  /** Applies pending migrations, so both sides have the same tables. */
  migrate(): Promise<void>;
  count(table: CopiedTable): Promise<number>;
  /**
   * Reads every table inside one consistent snapshot, `batch` rows at a time, in insertion order.
   * Resolves when `each` has taken every batch.
   */
  readAll(batch: number, each: (table: CopiedTable, rows: CopiedRow[]) => Promise<void>): Promise<void>;
  /** Runs `work` in one write transaction: all of the copy lands, or none of it. */
  write(work: (writer: CopyWriter) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface CopyWriter {
  /** Deletes every row of these tables (a forced copy over a database that has data). */
  clear(tables: readonly CopiedTable[]): Promise<void>;
  insert(table: CopiedTable, rows: readonly CopiedRow[]): Promise<void>;
  /** After the rows: identities continue after the copied ids. */
  finish(tables: readonly CopiedTable[]): Promise<void>;
  count(table: CopiedTable): Promise<number>;
}
