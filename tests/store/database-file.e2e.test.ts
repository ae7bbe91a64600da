import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect } from "vitest";
import { CLI_PATH, type CliResult, type CliSandbox, cliTest as it, lines, waitFor } from "../cli/run-cli.js";
import { freePort } from "../crash/child-gateway.js";
import { runChild } from "../support/child-processes.js";

/**
 * Issue 15: `rm gateway.db*` while the gateway ran went unnoticed (health 200, answers from the
 * unlinked file, a restart lost everything); a read-only database said only "unable to open
 * database file".
 */
async function startAndWaitHealthy(box: CliSandbox) {
  const port = await freePort();
  const running = box.spawn(["start"], { PORT: String(port), LOG_LEVEL: "warn" });
  await waitFor(async () => {
    if (running.child.exitCode !== null) throw new Error(`start exited: ${running.output().stderr}`);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    return health?.status === 200;
  }, "/healthz 200");
  return running;
}

/** Waits for the gateway to stop by itself; it is killed (and this fails) when it does not. */
function exitOf(running: ReturnType<CliSandbox["spawn"]>): Promise<CliResult> {
  return running.tracked.waitForExit("the gateway, with its database gone,");
}

describe("the database file while the gateway runs", () => {
  it("deleted: one clear log line and a non-zero exit, so a supervisor restarts it", async ({ cli: { box } }) => {
    const running = await startAndWaitHealthy(box);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${box.db}${suffix}`, { force: true });
    const result = await exitOf(running);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.code).not.toBeNull();
    const said = lines(result.stderr).filter((line) => line.includes(`the database file ${box.db} was deleted`));
    expect(said, result.stderr).toHaveLength(1);
    expect(said[0]).toContain("supervisor restarts");
  });

  it("replaced by another file: the same", async ({ cli: { box } }) => {
    const running = await startAndWaitHealthy(box);
    const other = join(box.dir, "other.db");
    copyFileSync(box.db, other);
    renameSync(other, box.db);
    const result = await exitOf(running);
    expect(result.code, result.stderr).not.toBe(0);
    expect(lines(result.stderr).filter((line) => line.includes("was replaced by another file"))).toHaveLength(1);
  });
});

/** As root, file modes do not stop us: run the CLI as `nobody` then, so that they do. */
const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
const NOBODY = 65_534;

function runAsUnprivileged(box: CliSandbox, args: string[]): Promise<CliResult> {
  return runChild(process.execPath, [CLI_PATH, ...args], {
    cwd: box.dir,
    env: box.env(),
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
}

describe("a database this process may not write", () => {
  it("a read-only file is named with its path and the fix", async ({ cli: { box } }) => {
    expect((await box.run(["migrate"])).code).toBe(0);
    chmodSync(box.dir, 0o755);
    chmodSync(dirname(box.db), 0o777);
    chmodSync(box.db, 0o444);
    const result = await runAsUnprivileged(box, ["sessions", "list"]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr), result.stderr).toHaveLength(1);
    expect(result.stderr).toContain(`database ${box.db} is read-only for this process`);
    expect(result.stderr).toMatch(/chmod u\+w|GATEWAY_DB/);
    expect(result.stderr).not.toContain("unable to open database file");
  });

  it("a folder it may not write is named with its path and the fix", async ({ cli: { box } }) => {
    mkdirSync(dirname(box.db), { recursive: true });
    chmodSync(box.dir, 0o755);
    chmodSync(dirname(box.db), 0o555);
    const result = await runAsUnprivileged(box, ["run", "-p", "hello"]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr), result.stderr).toHaveLength(1);
    expect(result.stderr).toContain(`the folder ${dirname(box.db)} of database ${box.db} is not writable`);
    expect(result.stderr).not.toContain("unable to open database file");
    chmodSync(dirname(box.db), 0o755);
  });
});
