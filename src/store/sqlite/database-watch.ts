import type { Logger } from "../../logger.js";
import type { StoreWatch } from "../store-backend.js";
import { type FileIdentity, fileIdentity, identityProblem } from "./database-file.js";

const CHECK_EVERY_MS = 2000;

/**
 * Checks while the gateway runs that its database path still names the file
 * it opened. A deleted or replaced database is reported once (log line,
 * {@link problem} for /healthz) and `onLost` ends the process: a supervisor
 * restarts it on the file that is there now, instead of this process
 * answering from an unlinked file that nothing else can see.
 */
export class DatabaseWatch implements StoreWatch {
  readonly #path: string;
  readonly #opened: FileIdentity | undefined;
  readonly #logger: Logger;
  readonly #onLost: (problem: string) => void;
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | undefined;
  #problem: string | undefined;

  /** Reads the file's identity now: construct it right after opening the database. */
  constructor(options: { path: string; logger: Logger; onLost: (problem: string) => void; everyMs?: number }) {
    this.#path = options.path;
    this.#opened = options.path === ":memory:" ? undefined : fileIdentity(options.path);
    this.#logger = options.logger;
    this.#onLost = options.onLost;
    this.#everyMs = options.everyMs ?? CHECK_EVERY_MS;
  }

  /** What is wrong with the database file, once something is. */
  get problem(): string | undefined {
    return this.#problem;
  }

  start(): void {
    if (!this.#opened) return;
    this.#timer = setInterval(() => this.check(), this.#everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One check (also run by the interval); reports the first problem found, once. */
  check(): void {
    if (!this.#opened || this.#problem) return;
    let problem: string | undefined;
    try {
      problem = identityProblem(this.#path, this.#opened);
    } catch (error) {
      this.#logger.warn({ err: error, path: this.#path }, "could not check the database file");
      return;
    }
    if (!problem) return;
    this.#problem = problem;
    this.stop();
    this.#logger.fatal(
      { path: this.#path },
      `${problem}: stopping with an error so that a supervisor restarts the gateway on the file that is there now (restore it from a backup if it was removed by mistake)`,
    );
    this.#onLost(problem);
  }
}
