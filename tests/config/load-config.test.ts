import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/errors.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

type Env = Record<string, string>;

let dir: string;

beforeEach(() => {
  dir = makeTempDir("cg-config-");
});

afterEach(() => {
  removeTempDir(dir);
});

function load(env: Env = {}): Config {
  return loadConfig({ env, cwd: dir });
}

/** Runs loadConfig expecting a ConfigError and returns it. */
function refused(env: Env): ConfigError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "CONFIG_INVALID" });
    return error as ConfigError;
  }
  throw new Error(`expected loadConfig to refuse ${JSON.stringify(env)}`);
}

/** Writes a YAML file into the temp dir and returns its absolute path. */
function yaml(lines: string[], name = "gateway.yml"): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("environment", () => {
  it("fills in the defaults", () => {
    const config = load();
    expect(config.model.baseUrl).toBe("https://api.openai.com/v1");
    expect(config.model.apiKey).toBeUndefined();
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(8787);
    expect(config.logLevel).toBe("info");
    expect(config.maxTurns).toBe(16);
    expect(config.db).toBe(resolve(dir, "data", "gateway.db"));
    expect(config.configPath).toBeUndefined();
    expect(config.queue).toEqual({ mode: "collect", cap: 20 });
  });

  it("keeps a postgres:// GATEWAY_DB as a URL; DATABASE_URL counts only when GATEWAY_DB and gateway.db are unset", () => {
    const url = "postgres://gw:pw@db.internal:5432/gateway";
    expect(load({ GATEWAY_DB: url }).db).toBe(url);
    expect(load({ DATABASE_URL: url }).db).toBe(url);
    expect(load({ DATABASE_URL: url, GATEWAY_DB: "x.db" }).db).toBe(join(dir, "x.db"));
    const pg = load({ GATEWAY_DB: url, PGPASSWORD: "secret", GATEWAY_DB_POOL: "4", GATEWAY_DB_STATEMENT_TIMEOUT: "5" });
    expect(pg.postgres).toEqual({ password: "secret", poolMax: 4, statementTimeoutMs: 5000 });
  });

  it("reads the variables it is given, trimmed, and resolves GATEWAY_DB against cwd", () => {
    const config = load({
      PORT: " 9000 ",
      HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
      GATEWAY_MAX_TURNS: "4",
      GATEWAY_DB: "state/x.db",
      OPENAI_API_KEY: "sk-test",
    });
    expect(config).toMatchObject({ port: 9000, host: "0.0.0.0", logLevel: "debug", maxTurns: 4 });
    expect(config.db).toBe(join(dir, "state", "x.db"));
    expect(config.model.apiKey).toBe("sk-test");
  });

  it.each(["abc", "70000", "-1", "80.5"])("refuses PORT=%j with a message starting with PORT", (port) => {
    const error = refused({ PORT: port });
    expect(error.message.startsWith("PORT")).toBe(true);
  });

  it("never shows the value of a bad secret variable", () => {
    const secret = "hunter2 very-secret-value";
    const error = refused({ TELEGRAM_WEBHOOK_SECRET: secret });
    expect(error.message.startsWith("TELEGRAM_WEBHOOK_SECRET")).toBe(true);
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("very-secret-value");
    expect(String(error.cause ?? "")).not.toContain("hunter2");
  });

  it("shows the value of a bad non-secret variable", () => {
    expect(refused({ LOG_LEVEL: "loud" }).message).toMatch(/^LOG_LEVEL: .*"loud"/);
  });

  it("lets .env fill unset variables while the real environment wins", () => {
    writeFileSync(
      join(dir, ".env"),
      ["# local settings", "PORT=9001", "HOST=0.0.0.0", 'LOG_LEVEL="debug"', ""].join("\n"),
    );
    const config = load({ PORT: "9002" });
    expect(config.port).toBe(9002);
    expect(config.host).toBe("0.0.0.0");
    expect(config.logLevel).toBe("debug");
  });

  it("accepts a good GATEWAY_ALLOW list and refuses a bad entry", () => {
    expect(load({ GATEWAY_ALLOW: "telegram:1, slack:U0123 ,*" }).access.allow).toEqual([
      "telegram:1",
      "slack:U0123",
      "*",
    ]);
    for (const bad of ["telegram:1,bogus", "telegram:", "irc:nick", "telegram:1 2"]) {
      const error = refused({ GATEWAY_ALLOW: bad });
      expect(error.message.startsWith("GATEWAY_ALLOW"), error.message).toBe(true);
    }
  });
});

describe("YAML via GATEWAY_CONFIG", () => {
  const file = [
    "model:",
    "  base_url: https://yaml.example/v1",
    "  default: yaml-model",
    "gateway:",
    "  host: 10.0.0.1",
    "  port: 7000",
  ];

  it("reads the file, resolved against cwd", () => {
    const path = yaml(file);
    const config = load({ GATEWAY_CONFIG: "gateway.yml" });
    expect(config.configPath).toBe(path);
    expect(config.port).toBe(7000);
    expect(config.host).toBe("10.0.0.1");
    expect(config.model.defaultModel).toBe("yaml-model");
    expect(config.model.baseUrl).toBe("https://yaml.example/v1");
  });

  it("lets the environment override the YAML", () => {
    yaml(file);
    const config = load({
      GATEWAY_CONFIG: "gateway.yml",
      PORT: "9000",
      GATEWAY_MODEL: "env-model",
      OPENAI_BASE_URL: "https://env.example/v1",
    });
    expect(config.port).toBe(9000);
    expect(config.model.defaultModel).toBe("env-model");
    expect(config.model.baseUrl).toBe("https://env.example/v1");
    expect(config.host).toBe("10.0.0.1");
  });

  it("reports the file, line and dotted path of an invalid value", () => {
    const path = yaml([
      "# experts for the test", // 1
      "model:", // 2
      "  default: m", // 3
      "experts:", // 4
      "  - name: first", // 5
      "    temperature: 0.5", // 6
      "  - name: second", // 7
      "    description: the second expert", // 8
      "    temperature: 5", // 9
    ]);
    const error = refused({ GATEWAY_CONFIG: path });
    expect(error.message).toContain(`${path}:9:`);
    expect(error.message).toContain("experts.1.temperature");
  });

  it("reports the line of an invalid value in the first list item", () => {
    const path = yaml(["experts:", "  - name: solo", "    temperature: -1"]);
    const error = refused({ GATEWAY_CONFIG: path });
    expect(error.message).toContain(`${path}:3:`);
    expect(error.message).toContain("experts.0.temperature");
  });

  it("reports the line and path of a nested invalid value", () => {
    const path = yaml(["gateway:", "  port: 80", "channels:", "  telegram:", "    mode: loud"]);
    const error = refused({ GATEWAY_CONFIG: path });
    expect(error.message).toContain(`${path}:5:`);
    expect(error.message).toContain("channels.telegram.mode");
  });

  it("names an unknown key", () => {
    const nested = yaml(["gateway:", "  port: 80", "  prot: 81"]);
    expect(refused({ GATEWAY_CONFIG: nested }).message).toContain('"prot"');
    const top = yaml(["gateway:", "  port: 80", "bogus_section: true"], "top.yml");
    const error = refused({ GATEWAY_CONFIG: top });
    expect(error.message).toContain(top);
    expect(error.message).toContain('"bogus_section"');
  });

  it("reports a line for a YAML syntax error", () => {
    const path = yaml(["model:", "  default: m", "gateway:", "  port: [80, 81", "queue:", "  cap: 3"]);
    const error = refused({ GATEWAY_CONFIG: path });
    const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const match = new RegExp(`${escaped}:(\\d+): `).exec(error.message);
    expect(match, `no line number in: ${error.message}`).not.toBeNull();
    const line = Number(match?.[1]);
    expect(line).toBeGreaterThanOrEqual(4);
    expect(line).toBeLessThanOrEqual(7);
  });

  it("names a missing GATEWAY_CONFIG file", () => {
    const error = refused({ GATEWAY_CONFIG: "nope.yml" });
    expect(error.message.startsWith("GATEWAY_CONFIG")).toBe(true);
    expect(error.message).toContain(join(dir, "nope.yml"));
  });

  it("refuses a bad access.allow entry in the YAML", () => {
    const path = yaml(["access:", "  allow:", '    - "telegram:1"', '    - "bogus"']);
    const error = refused({ GATEWAY_CONFIG: path });
    expect(error.message).toContain("access.allow.1");
    expect(error.message).toContain(`${path}:4:`);
  });
});

describe("gateway.example.yml", () => {
  it("loads without error", () => {
    const example = fileURLToPath(new URL("../../gateway.example.yml", import.meta.url));
    expect(existsSync(example), `${example} does not exist`).toBe(true);
    const config = load({ GATEWAY_CONFIG: example });
    expect(config.configPath).toBe(example);
  });
});
