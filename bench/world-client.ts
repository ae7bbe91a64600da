import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import type { ModelMode } from "./model-replies.js";
import type { PhaseRequest } from "./phases.js";
import type { WorldUrls } from "./world.js";

type Answer = { seq: number; result?: unknown; error?: string };

/** The driver's handle on the fakes' process (world.ts): one request at a time over IPC. */
export class WorldClient {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (answer: Answer) => void>();
  #seq = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (answer: Answer) => {
      this.#waiting.get(answer.seq)?.(answer);
      this.#waiting.delete(answer.seq);
    });
  }

  static async start(): Promise<{ world: WorldClient; urls: WorldUrls }> {
    const child = fork(join(packageRoot(), "dist/bench/world.js"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const world = new WorldClient(child);
    const urls = (await world.#answer(0)) as WorldUrls;
    return { world, urls };
  }

  /** Runs one phase in the fakes' process; its name and duration go to stdout as progress. */
  async phase<T>(request: PhaseRequest): Promise<T> {
    const started = performance.now();
    const result = (await this.#request(request)) as T;
    const name =
      request.phase === "accept" ? `${request.platform} accept ${JSON.stringify(request.load)}` : request.phase;
    process.stdout.write(`  ${name}: ${request.count} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  }

  model(mode: ModelMode): Promise<unknown> {
    return this.#request({ phase: "model", mode });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.disconnect();
    await exited;
  }

  #request(request: PhaseRequest | { phase: "model"; mode: ModelMode }): Promise<unknown> {
    const seq = ++this.#seq;
    const answer = this.#answer(seq);
    this.#child.send({ seq, request });
    return answer;
  }

  #answer(seq: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#waiting.set(seq, (answer) => (answer.error ? reject(new Error(answer.error)) : resolve(answer.result)));
    });
  }
}
