import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "./child-gateway.js";
import { answersOf, CrashWorld, readDb } from "./crash-world.js";

let world: CrashWorld | undefined;
let release: (() => void) | undefined;

afterEach(async () => {
  release?.();
  release = undefined;
  await world?.close();
  world = undefined;
});

/** Holds every model request until the returned function is called. */
function holdModel(target: CrashWorld): () => void {
  let open!: () => void;
  const held = new Promise<void>((resolve) => {
    open = resolve;
  });
  target.model.beforeReply = () => held;
  release = open;
  return open;
}

describe("SIGTERM drains", () => {
  it("lets a turn held at the model finish within the grace period, delivers it and exits 0", async () => {
    const w = await CrashWorld.create({ pieceDelayMs: 5 });
    world = w;
    const releaseModel = holdModel(world);
    // At info level the child says when it begins to drain.
    const life = await world.start({ extra: { LOG_LEVEL: "info" } });
    const message = world.message("D", 1);
    expect(await life.post(message)).toMatchObject({ kind: "accepted" });
    await waitFor(() => w.model.active.size === 1, "the model request to be held");

    life.child.kill("SIGTERM");
    await waitFor(
      () => life.output.includes("shutting down"),
      () => `the drain to begin\n${life.output}`,
    );
    expect(life.hasExited, life.output).toBe(false);
    // Draining: intake is closed, so the platform gets an error and will retry later.
    const late = await life.post(world.message("D", 2));
    expect(late.kind, JSON.stringify(late)).toBe("failed");

    releaseModel();
    const exit = await life.waitForExit();
    const why = `${JSON.stringify(world.platform.calls, null, 1)}\n${world.logs()}`;
    expect(exit, why).toEqual({ code: 0, signal: null });
    const db = await readDb(world.sandbox.db);
    expect(answersOf(world.platform, [message]).get(message.text), `${JSON.stringify(db)}\n${why}`).toHaveLength(1);
    expect(db.inbound, why).toEqual([{ text: message.text, state: "answered" }]);
    expect(db.unfinishedOutbox, why).toEqual([]);
    expect(db.runningTurns, why).toBe(0);
  });
});
