import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { packagesWithInstallScripts, reuseSqliteAddon } from "./installed-tree.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  allowScripts: Record<string, boolean>;
};

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; `timeoutMs` is an outer limit for a stuck process, not a timing assertion. */
function exec(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }) {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The package as an operator gets it: `npm pack` of the built tree, then
 * `npm install -g --omit=dev` of the tarball into an empty prefix, run from
 * an unrelated folder. The unit and the nginx example in deploy/ are checked
 * with the real tools (systemd-analyze verify, nginx -t).
 *
 * The install runs with --ignore-scripts: the tree's one install script, better-sqlite3's
 * compile from source (minutes on a busy 2-core machine, as no prebuilt binary can be
 * downloaded), is what the project's own `npm ci` already did and proves. Its addon is copied
 * in when the installed better-sqlite3 is the version `npm ci` compiled, and compiled here for
 * real otherwise. That the tree has no other install script is checked on the installed files.
 */
describe("the packed package", { timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "gateway-package-"));
  const prefix = join(work, "prefix");
  const home = join(work, "operator");
  const gateway = join(prefix, "bin", "gateway");
  const installed = join(prefix, "lib", "node_modules", manifest.name);
  const fake = new FakeOpenAi();
  let files: string[] = [];
  let install: Result;
  let installScripts: string[] = [];
  /** The compile, when the installed better-sqlite3 is not the version `npm ci` compiled. */
  let compile: Result | undefined;

  beforeAll(async () => {
    await fake.start();
    // The tree `npm test` just built; --ignore-scripts keeps prepack from rebuilding dist/ under other running tests.
    const pack = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: root });
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    files = packed?.files.map((file) => file.path) ?? [];
    install = await exec(
      "npm",
      ["install", "-g", "--omit=dev", "--ignore-scripts", "--prefix", prefix, join(work, packed?.filename ?? "")],
      { cwd: work, timeoutMs: 840_000 },
    );
    const modules = join(installed, "node_modules");
    installScripts = packagesWithInstallScripts(modules);
    if (install.code === 0 && !reuseSqliteAddon(join(root, "node_modules"), modules)) {
      // In the installed package's folder its own allowScripts lets better-sqlite3 build.
      compile = await exec("npm", ["rebuild", "better-sqlite3"], { cwd: installed, timeoutMs: 840_000 });
    }
    mkdirSync(home);
  }, 900_000);

  afterAll(async () => {
    await fake.stop();
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  const operator = (extra: Record<string, string> = {}) => ({
    PATH: `${join(prefix, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: home,
    OPENAI_BASE_URL: fake.url,
    GATEWAY_MODEL: "fake-model",
    LOG_LEVEL: "silent",
    PORT: "0",
    ...extra,
  });

  it("holds only what runs: built code, migrations, manifest, examples, deploy/", () => {
    expect(files).toContain("dist/src/cli.js");
    expect(files).toContain("dist/adapters/telegram/telegram-adapter.js");
    expect(files).toContain("migrations/001-init.sql");
    for (const name of ["manifest.yml", "gateway.example.yml", ".env.example", "README.md", "package.json"]) {
      expect(files).toContain(name);
    }
    expect(files).toContain("deploy/chat-gateway.service");
    expect(files).toContain("deploy/nginx-chat-gateway.conf");
    const unwanted = files.filter((file) => /^dist\/(bench|tests)\/|\.map$|^src\/|^tests\/|^bench\//.test(file));
    expect(unwanted).toEqual([]);
  });

  it("installs with --omit=dev into an empty prefix and runs --version, doctor and run -p", async () => {
    expect(install.code, install.stdout + install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/ERR!/);
    expect(installScripts).toContain("better-sqlite3");
    const allowed = Object.keys(manifest.allowScripts).filter((name) => manifest.allowScripts[name] === true);
    expect(
      installScripts.filter((name) => !allowed.includes(name)),
      "install scripts allowScripts does not cover",
    ).toEqual([]);
    if (compile) expect(compile.code, compile.stdout + compile.stderr).toBe(0);
    const version = await exec(gateway, ["--version"], { cwd: home, env: operator() });
    expect(version.stdout).toBe(`${manifest.version}\n`);
    const doctor = await exec(gateway, ["doctor"], { cwd: home, env: operator() });
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(/^ok\s+model fake-model: listed/m);
    const run = await exec(gateway, ["run", "-p", "hello from the package"], { cwd: home, env: operator() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("echo: hello from the package\n");
    const sessions = await exec(gateway, ["sessions", "list", "--json"], { cwd: home, env: operator() });
    expect(JSON.parse(sessions.stdout)).toHaveLength(1);
    expect(readFileSync(join(home, "data", "gateway.db")).length).toBeGreaterThan(0);
  });

  it("deploy/chat-gateway.service passes systemd-analyze verify (pointing at the installed gateway)", async () => {
    const unit = readFileSync(join(root, "deploy", "chat-gateway.service"), "utf8");
    expect(unit).toContain("ExecStart=/usr/local/bin/gateway start");
    const dir = mkdtempSync(join(work, "unit-"));
    writeFileSync(join(dir, "chat-gateway.service"), unit.replace("/usr/local/bin/gateway", gateway));
    const verify = await exec("systemd-analyze", ["verify", join(dir, "chat-gateway.service")], { cwd: dir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toBe("");
  });

  it("deploy/nginx-chat-gateway.conf passes nginx -t (with a throwaway certificate)", async () => {
    const dir = mkdtempSync(join(work, "nginx-"));
    const cert = await exec(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=gateway.example.com",
        "-keyout",
      ].concat(join(dir, "key.pem"), "-out", join(dir, "cert.pem")),
      { cwd: dir },
    );
    expect(cert.code, cert.stderr).toBe(0);
    const site = readFileSync(join(root, "deploy", "nginx-chat-gateway.conf"), "utf8")
      .replace("/etc/letsencrypt/live/gateway.example.com/fullchain.pem", join(dir, "cert.pem"))
      .replace("/etc/letsencrypt/live/gateway.example.com/privkey.pem", join(dir, "key.pem"));
    writeFileSync(join(dir, "site.conf"), site);
    writeFileSync(
      join(dir, "nginx.conf"),
      [
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        "events {}",
        `http { access_log off; include ${dir}/site.conf; }`,
        "",
      ].join("\n"),
    );
    const test = await exec("nginx", ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], { cwd: dir });
    expect(test.code, test.stderr).toBe(0);
    expect(test.stderr).toContain("test is successful");
  });
});
