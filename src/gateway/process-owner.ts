import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** This process's lease owner id: host, pid and a random part (pids are reused). */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/**
 * True when `owner` is certainly gone: a process of this host that no longer
 * runs, or an earlier life of our own pid. Owners on other hosts wait for
 * their lease to run out.
 */
export function ownerIsGone(owner: string, self: string): boolean {
  if (owner === self) return false;
  const parts = owner.split(":");
  const pid = Number(parts.at(-2));
  const host = parts.slice(0, -2).join(":");
  if (host !== hostname() || !Number.isInteger(pid)) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
