import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

// `npm test` runs `biome check .`; a configuration the pinned Biome calls deprecated prints a box every time.
it("the pinned Biome reads biome.json without a deprecation notice", () => {
  const result = spawnSync(process.execPath, ["node_modules/@biomejs/biome/bin/biome", "check", "biome.json"], {
    cwd: root,
    encoding: "utf8",
  });
  expect(result.status, result.stdout + result.stderr).toBe(0);
  expect(result.stdout + result.stderr).not.toMatch(/deprecat|biome migrate/i);
});
