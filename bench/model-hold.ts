/** Holds the fake model's answers to some conversations until released: their turns stay running. */
export class ModelHold {
  readonly #ids = new Set<number>();
  #release: () => void = () => undefined;
  #released: Promise<void> = Promise.resolve();

  hold(ids: number[]): void {
    for (const id of ids) this.#ids.add(id);
    this.#released = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  /** What a model request of conversation `id` waits for before it is answered. */
  wait(id: number | undefined): Promise<void> | undefined {
    return id !== undefined && this.#ids.has(id) ? this.#released : undefined;
  }

  release(): void {
    this.#ids.clear();
    this.#release();
  }
}
