/**
 * Test-only crash points. With `GATEWAY_TEST_CRASH_AT=<name>` the process
 * kills itself with SIGKILL the first time it reaches that point, exactly as
 * `kill -9` would, so crash tests need no sleeps or timing luck.
 */
import { ConfigError } from "../errors.js";

export const faultPointNames = [
  "after-accept",
  "mid-stream",
  "after-tool-result",
  "after-stream-before-record",
  "after-send-before-record",
] as const;
export type FaultPoint = (typeof faultPointNames)[number];

let armed: string | undefined;

export function armFaultPoint(name: string | undefined): void {
  if (name !== undefined && !(faultPointNames as readonly string[]).includes(name)) {
    throw new ConfigError(`GATEWAY_TEST_CRASH_AT: unknown point "${name}" (known: ${faultPointNames.join(", ")})`);
  }
  armed = name;
}

export function faultPoint(name: FaultPoint): void {
  if (armed === name) process.kill(process.pid, "SIGKILL");
}
