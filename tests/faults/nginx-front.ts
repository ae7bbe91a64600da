import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../crash/child-gateway.js";
import { startChild, type TestChild } from "../support/child-processes.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";
import { waitFor } from "../support/wait.js";

const example = fileURLToPath(new URL("../../deploy/nginx-chat-gateway-instances.conf", import.meta.url));

/**
 * The example site of deploy/ made runnable in a test: TLS and the port-80 redirect replaced by
 * plain HTTP on `port`, the upstream's servers by `instances` (each keeping the example's
 * parameters). Everything else (locations, retries to the next instance) is the example's.
 */
export function renderSite(port: number, instances: readonly number[]): string {
  const site = readFileSync(example, "utf8");
  const server = /^( *)server 127\.0\.0\.1:\d+(.*)$/m.exec(site);
  if (!server) throw new Error("the example lists no upstream server");
  const [, indent, parameters] = server;
  const upstream = instances.map((instance) => `${indent}server 127.0.0.1:${instance}${parameters}`).join("\n");
  return site
    .replace(/^ *server 127\.0\.0\.1:\d+.*\n/gm, "")
    .replace(/(upstream chat_gateway \{\n(?:[^\n]*#[^\n]*\n)*)/, `$1${upstream}\n`)
    .replace(/server \{\n *listen 80;[\s\S]*?\n\}\n/, "")
    .replace(/^ *listen \[::\]:443.*\n/m, "")
    .replace(/^ *listen 443 ssl http2;/m, `    listen 127.0.0.1:${port};`)
    .replace(/^ *ssl_.*\n/gm, "");
}

/** Debian's nginx running the example site in front of the test's instances. */
export class NginxFront {
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly child: TestChild,
  ) {}

  static async start(instances: readonly number[]): Promise<NginxFront> {
    const port = await freePort();
    const dir = makeTempDir("gateway-nginx-");
    writeFileSync(join(dir, "site.conf"), renderSite(port, instances));
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
      .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
      .join(" ");
    writeFileSync(
      join(dir, "nginx.conf"),
      [
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        "events {}",
        `http { access_log off; ${temp} include ${dir}/site.conf; }`,
        "",
      ].join("\n"),
    );
    const child = startChild("nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"]);
    const front = new NginxFront(port, dir, child);
    await waitFor(
      async () => {
        if (child.hasExited) throw new Error(`nginx exited: ${front.errors()}`);
        const response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        return response?.status === 404;
      },
      () => `nginx on port ${port}: ${front.errors()}`,
    );
    return front;
  }

  /** nginx's error log so far. */
  errors(): string {
    try {
      return readFileSync(join(this.dir, "error.log"), "utf8");
    } catch {
      return "";
    }
  }

  async stop(): Promise<void> {
    await this.child.dispose();
    removeTempDir(this.dir);
  }
}
