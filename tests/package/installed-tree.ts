import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

interface Manifest {
  name: string;
  version: string;
  scripts?: Record<string, string>;
  gypfile?: boolean;
}

function manifestOf(dir: string): Manifest | undefined {
  const file = join(dir, "package.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Manifest) : undefined;
}

/** Every package folder under `nodeModules`, nested ones and `@scope/name` ones included. */
function packageDirs(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const dirs: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const names = entry.startsWith("@")
      ? readdirSync(join(nodeModules, entry)).map((name) => join(entry, name))
      : [entry];
    for (const name of names) {
      const dir = join(nodeModules, name);
      dirs.push(dir, ...packageDirs(join(dir, "node_modules")));
    }
  }
  return dirs;
}

/**
 * The packages of an installed tree that have install scripts, by npm's rule (an explicit
 * `preinstall`, `install` or `postinstall`, or a `binding.gyp` that npm builds with node-gyp):
 * what `allowScripts` must cover, found without running any of them.
 */
export function packagesWithInstallScripts(nodeModules: string): string[] {
  const found = new Set<string>();
  for (const dir of packageDirs(nodeModules)) {
    const manifest = manifestOf(dir);
    if (!manifest) continue;
    const scripts = manifest.scripts ?? {};
    const explicit = ["preinstall", "install", "postinstall"].some((event) => scripts[event] !== undefined);
    const gyp = manifest.gypfile !== false && existsSync(join(dir, "binding.gyp"));
    if (explicit || gyp) found.add(manifest.name);
  }
  return [...found].sort();
}

/** Where better-sqlite3 loads its compiled addon from (the `bindings` lookup finds build/Release first). */
const ADDON = join("build", "Release", "better_sqlite3.node");

/**
 * Gives the installed better-sqlite3 the addon that the project's own `npm ci` compiled from
 * source, when both are the same version (same source, same Node: the same binary a second
 * compile would make). Returns false when the versions differ: the caller must compile.
 */
export function reuseSqliteAddon(projectModules: string, installedModules: string): boolean {
  const project = join(projectModules, "better-sqlite3");
  const installed = join(installedModules, "better-sqlite3");
  const compiled = join(project, ADDON);
  if (!existsSync(compiled) || manifestOf(project)?.version !== manifestOf(installed)?.version) return false;
  mkdirSync(dirname(join(installed, ADDON)), { recursive: true });
  copyFileSync(compiled, join(installed, ADDON));
  return true;
}
