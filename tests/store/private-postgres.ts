import { chownSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { startChild, type TestChild } from "../support/child-processes.js";
import { makeTempDir } from "../support/temp-dirs.js";
import { waitFor } from "../support/wait.js";

/** Where Debian puts the server binaries of PostgreSQL 15 (the version every machine and CI runs). */
const BIN = process.env.TEST_POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";

/**
 * initdb and postgres refuse to run as root: as root, they run as the `postgres` user through
 * `setpriv` (which execs, so the server is the child itself and gets our signals directly).
 */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args]];
}

/** A TCP port nobody listens on now (the server takes it a moment later; the same one on every start). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

/**
 * A PostgreSQL server of a test's own (initdb into a temp folder, trust auth on 127.0.0.1), which
 * the test may stop and start again; the shared server on 5432 is never touched. The folder and
 * the process are removed with the test, also when it fails.
 */
export class PrivatePostgres {
  readonly #dir: string;
  readonly #port: number;
  #server: TestChild | undefined;
  #logs = "";

  private constructor(dir: string, port: number) {
    this.#dir = dir;
    this.#port = port;
  }

  /** Makes the cluster (initdb) and starts the server. */
  static async create(): Promise<PrivatePostgres> {
    const dir = makeTempDir("private-pg-");
    if (process.getuid?.() === 0) chownSync(dir, ...postgresIds());
    const [command, args] = asServerUser(join(BIN, "initdb"), [
      "-D",
      join(dir, "data"),
      "-A",
      "trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
    ]);
    const init = await startChild(command, args).waitForExit("initdb");
    if (init.code !== 0) throw new Error(`initdb failed (${init.code}): ${init.stderr}`);
    const server = new PrivatePostgres(dir, await freePort());
    await server.start();
    return server;
  }

  /** The URL of database `name` on this server (as the superuser `postgres`). */
  url(name = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.#port}/${name}`;
  }

  /** Everything the server printed over all its starts, for failure messages. */
  get logs(): string {
    return this.#logs + (this.#server ? this.#server.stdout + this.#server.stderr : "");
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const [command, args] = asServerUser(join(BIN, "postgres"), [
      "-D",
      join(this.#dir, "data"),
      "-p",
      String(this.#port),
      "-k",
      this.#dir,
      "-c",
      "listen_addresses=127.0.0.1",
      // Its data is thrown away with the test: no need to wait for the disk.
      "-c",
      "fsync=off",
    ]);
    this.#server = startChild(command, args);
    await waitFor(
      async () => (await this.#accepts()) || (this.#server?.hasExited === true ? "exited" : false),
      () => `the private PostgreSQL server to accept connections\n${this.logs}`,
    );
    if (this.#server.hasExited) throw new Error(`the private PostgreSQL server exited\n${this.logs}`);
  }

  /** Stops the server as an operator's restart does (SIGINT: fast shutdown, every session terminated). */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.signal("SIGINT");
    const exit = await server.waitForExit("the private PostgreSQL server");
    this.#logs += exit.stdout + exit.stderr;
    this.#server = undefined;
  }

  /** Runs `statement` in database `name` as the superuser. */
  async query(statement: string, name = "postgres"): Promise<void> {
    const client = new pg.Client({ connectionString: this.url(name) });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {
    await this.stop();
  }

  async #accepts(): Promise<boolean> {
    try {
      await this.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }
}

/** The uid and gid of the `postgres` user (from /etc/passwd), whom the data folder must belong to. */
function postgresIds(): [number, number] {
  const fields = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"))
    ?.split(":");
  if (!fields || fields.length < 4) throw new Error('no user "postgres" to run PostgreSQL as');
  return [Number(fields[2]), Number(fields[3])];
}
