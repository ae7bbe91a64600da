import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Samples of a V8 CPU profile inside a time window, and how many of them ran under the `openai` SDK. */
export interface SdkShare {
  samples: number;
  sdkSamples: number;
  share: number;
  /** false when no sample fell in the window and the whole profile was used */
  windowed: boolean;
}

const SDK_PATH = "/node_modules/openai/";

/**
 * Reads the `.cpuprofile` the gateway wrote on exit (`--cpu-prof`). A busy sample counts for the SDK
 * when any frame of its stack is in node_modules/openai: the SDK's own code and what it calls
 * (its stream parsing, the fetch it drives). `window` is in ms of the monotonic clock, which V8's
 * profile timestamps (µs) share on Linux.
 */
export function sdkShare(dir: string, window: [number, number]): SdkShare {
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const underSdk = new Map<number, boolean>();
  const inSdk = (id: number): boolean => {
    const known = underSdk.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const result = (node?.callFrame.url.includes(SDK_PATH) ?? false) || (up !== undefined && inSdk(up));
    underSdk.set(id, result);
    return result;
  };
  const count = (from: number, to: number) => {
    let at = profile.startTime;
    let samples = 0;
    let sdkSamples = 0;
    profile.samples.forEach((id, i) => {
      at += profile.timeDeltas[i] ?? 0;
      if (at < from || at > to || byId.get(id)?.callFrame.functionName === "(idle)") return;
      samples++;
      if (inSdk(id)) sdkSamples++;
    });
    return { samples, sdkSamples };
  };
  let windowed = true;
  let counted = count(window[0] * 1000, window[1] * 1000);
  if (counted.samples === 0) {
    windowed = false;
    counted = count(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }
  return { ...counted, share: counted.sdkSamples / Math.max(1, counted.samples), windowed };
}
