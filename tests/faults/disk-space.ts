import { openStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

/**
 * The "disk" of a gateway started with `GATEWAY_TEST_MAX_PAGES=1`: its connection may not grow
 * the database file beyond its size at start, so it can only write into free pages. This second
 * connection (no cap) takes the free pages away (full) or gives them back (space returns).
 */
export class DiskSpace {
  readonly #store: SqliteStore;

  private constructor(store: SqliteStore) {
    this.#store = store;
  }

  static open(path: string): DiskSpace {
    const store = openStore(path, { migrate: false });
    store.db.exec("CREATE TABLE IF NOT EXISTS fault_filler (bytes BLOB)");
    return new DiskSpace(store);
  }

  get freePages(): number {
    return Number(this.#store.db.pragma("freelist_count", { simple: true }));
  }

  /** Uses up every free page (and grows the file a little beyond, which the gateway may not). */
  fill(): void {
    const pageSize = Number(this.#store.db.pragma("page_size", { simple: true }));
    this.#store.db.prepare("INSERT INTO fault_filler VALUES (zeroblob(?))").run((this.freePages + 4) * pageSize);
  }

  /** Gives the gateway `bytes` of free pages (and whatever the filler held). */
  free(bytes = 4 * 1024 * 1024): void {
    this.#store.db.prepare("INSERT INTO fault_filler VALUES (zeroblob(?))").run(bytes);
    this.#store.db.exec("DELETE FROM fault_filler");
  }

  /** `PRAGMA integrity_check`: "ok", or what is broken. */
  integrity(): string {
    return String(this.#store.db.pragma("integrity_check", { simple: true }));
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
