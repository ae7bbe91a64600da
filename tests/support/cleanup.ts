/**
 * Cleanup that does not depend on a test reaching its own `finally`: what a test makes (a child
 * process, a temp folder) is registered here and disposed of after that test (afterEach, also when
 * it failed or timed out) or, when a `beforeAll` or a concurrent test made it, after the file.
 * tests/support/setup.ts opens and closes the scopes for every test file.
 */
export type Disposer = () => void | Promise<void>;

const fileScope = new Set<Disposer>();
let testScope: Set<Disposer> | undefined;

/** Registers `dispose` with the current scope; the returned function unregisters it (already cleaned). */
export function onCleanup(dispose: Disposer): () => void {
  const scope = testScope ?? fileScope;
  scope.add(dispose);
  return () => {
    scope.delete(dispose);
  };
}

/**
 * From now on, what is made belongs to the running test. Only for tests that run one at a time:
 * concurrent tests share one scope per file, and their fixtures dispose of what they made.
 */
export function openTestScope(): void {
  testScope = new Set();
}

export async function closeTestScope(): Promise<void> {
  const scope = testScope;
  testScope = undefined;
  if (scope) await disposeAll(scope);
}

export async function closeFileScope(): Promise<void> {
  await closeTestScope();
  await disposeAll(fileScope);
}

async function disposeAll(scope: Set<Disposer>): Promise<void> {
  const disposers = [...scope];
  scope.clear();
  const results = await Promise.allSettled(disposers.map(async (dispose) => dispose()));
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}
