// The environment schema: defaults that run with nothing set, and a fail-fast error that names
// every variable at fault. Also the passcode key: generated once for the embedded default.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolvePasscodeKey, resolvePasscodeKeys } from "../src/adapters/key-file.ts";
import { ConfigError, DEFAULT_DEVICE_API_RATE, loadConfig } from "../src/config.ts";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("runs with an empty environment: embedded SQLite under ./data, outbox mail, simulated devices", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe("./data");
    expect(config.database).toEqual({ kind: "sqlite", url: "file:./data/latchkey.db" });
    expect(config.smtpUrl).toBeNull();
    expect(config.outboxDir).toBe("./data/outbox");
    expect(config.simulator).toBe(true);
    expect(config.requestExpiryMs).toBe(86_400_000);
    expect(config.passcodeKey).toBeNull();
    expect(config.admins).toEqual([]);
    expect(config.publicUrl).toBe("http://localhost:3000");
  });

  it("switches to PostgreSQL when DATABASE_URL is a postgresql:// URL", () => {
    const url = "postgresql://latchkey:pw@db.internal:5432/latchkey";
    const push = { FIREBASE_SERVICE_ACCOUNT: "/etc/fcm.json" };
    expect(loadConfig({ DATABASE_URL: url, ...push }).database).toEqual({ kind: "postgresql", url });
    expect(loadConfig({ DATABASE_URL: "postgres://db/x", ...push }).database.kind).toBe("postgresql");
  });

  it("keeps the database and outbox under DATA_DIR", () => {
    const config = loadConfig({ DATA_DIR: "/var/lib/latchkey/" });
    expect(config.database).toEqual({ kind: "sqlite", url: "file:/var/lib/latchkey/latchkey.db" });
    expect(config.outboxDir).toBe("/var/lib/latchkey/outbox");
  });

  it("turns off the simulator when a Firebase service account is configured", () => {
    expect(loadConfig({ FIREBASE_SERVICE_ACCOUNT: "/etc/fcm.json" }).simulator).toBe(false);
  });

  it("reads durations and a 64-hex-character passcode key", () => {
    const key = "ab".repeat(32);
    const config = loadConfig({ REQUEST_EXPIRY: "2h", PASSCODE_KEY: key });
    expect(config.requestExpiryMs).toBe(7_200_000);
    expect(config.passcodeKey?.toString("hex")).toBe(key);
  });

  it.each([
    ["PORT", "abc"],
    ["DATABASE_URL", "mysql://x"],
    ["SMTP_URL", "http://x"],
    ["LATCHKEY_ADMINS", "not-an-email"],
    ["PASSCODE_KEY", "short"],
    ["PASSCODE_KEY_PREVIOUS", "short"],
    ["DEVICE_API_RATE", "lots"],
    ["TRUST_PROXY_HOPS", "yes"],
    ["TRUST_PROXY_HOPS", "-1"],
    ["REQUEST_EXPIRY", "soon"],
    ["DEMO_INVENTORY", "maybe"],
    ["SIMULATED_DEVICES", "maybe"],
    ["METRICS_PORT", "abc"],
    ["METRICS_PORT", "70000"],
    ["METRICS_TOKEN", "short"],
    ["LOG_LEVEL", "loud"],
  ])("stops on %s=%s with a ConfigError naming the variable", (name, value) => {
    const err = configError({ [name]: value });
    expect(err.message).toMatch(new RegExp(`^\\s*${name}: `, "m"));
  });

  it("reads PASSCODE_KEY_PREVIOUS as a comma-separated list of hex and base64 keys", () => {
    const hex = "ef".repeat(32);
    const b64 = Buffer.alloc(32, 7).toString("base64");
    const config = loadConfig({ PASSCODE_KEY: "ab".repeat(32), PASSCODE_KEY_PREVIOUS: ` ${hex} ,${b64},` });
    expect(config.previousPasscodeKeys.map((k) => k.toString("hex"))).toEqual([hex, "07".repeat(32)]);
    expect(loadConfig({}).previousPasscodeKeys).toEqual([]);
  });

  it("names the bad PASSCODE_KEY_PREVIOUS entry by position, never echoing key material", () => {
    const almost = "ab".repeat(31);
    const err = configError({ PASSCODE_KEY_PREVIOUS: `${"cd".repeat(32)},${almost}` });
    expect(err.message).toMatch(/^\s*PASSCODE_KEY_PREVIOUS: key 2 of 2 is not 32 bytes/m);
    expect(err.message).not.toContain(almost);
  });

  it("reads TRUST_PROXY_HOPS: 0 (X-Forwarded-For not read) unless set", () => {
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY_HOPS: "2" }).trustProxyHops).toBe(2);
  });

  it("reads DEVICE_API_RATE: per device, then optionally per client address", () => {
    expect(loadConfig({}).deviceApiRate).toEqual(DEFAULT_DEVICE_API_RATE);
    expect(DEFAULT_DEVICE_API_RATE).toEqual({
      device: { limit: 120, windowMs: 60_000 },
      unauthenticated: { limit: 20, windowMs: 60_000 },
    });
    expect(loadConfig({ DEVICE_API_RATE: "60/m" }).deviceApiRate).toEqual({
      device: { limit: 60, windowMs: 60_000 },
      unauthenticated: DEFAULT_DEVICE_API_RATE.unauthenticated,
    });
    expect(loadConfig({ DEVICE_API_RATE: "3/s, 2/10s" }).deviceApiRate).toEqual({
      device: { limit: 3, windowMs: 1000 },
      unauthenticated: { limit: 2, windowMs: 10_000 },
    });
    expect(loadConfig({ DEVICE_API_RATE: "1000/h,5/500ms" }).deviceApiRate.unauthenticated).toEqual({
      limit: 5,
      windowMs: 500,
    });
  });

  it.each(["0/m", "5", "5/", "5/0s", "5/fortnight", "5/m,", "5/m,x", "1/m,2/m,3/m", "-1/m"])(
    "refuses DEVICE_API_RATE=%j, naming it",
    (value) => {
      expect(configError({ DEVICE_API_RATE: value }).message).toMatch(/^\s*DEVICE_API_RATE: .*120\/m,20\/m/m);
    },
  );

  it("names every bad variable at once", () => {
    const err = configError({ PORT: "abc", SMTP_URL: "http://x", LOG_LEVEL: "loud", REQUEST_EXPIRY: "soon" });
    for (const name of ["PORT", "SMTP_URL", "LOG_LEVEL", "REQUEST_EXPIRY"])
      expect(err.message).toContain(name);
    expect(err.message).not.toContain("DATABASE_URL");
  });

  it.each(["false", "0", "no", "off", "FALSE", " No "])("reads DEMO_INVENTORY=%j as false", (value) => {
    expect(loadConfig({ DEMO_INVENTORY: value }).demoInventory).toBe(false);
  });

  it.each(["true", "1", "yes", "on", "TRUE"])("reads DEMO_INVENTORY=%j as true", (value) => {
    expect(loadConfig({ DEMO_INVENTORY: value }).demoInventory).toBe(true);
  });

  it("treats an empty boolean as unset", () => {
    expect(loadConfig({ DEMO_INVENTORY: "" }).demoInventory).toBe(true);
  });

  // z.coerce.number() would turn "" into 0: `PORT=` in an env file must not bind a random port.
  it("treats an empty PORT as unset (port 3000)", () => {
    expect(loadConfig({ PORT: "" }).port).toBe(3000);
  });

  // An empty DATA_DIR must not put the database at the filesystem root.
  it("treats an empty DATA_DIR as unset (./data)", () => {
    expect(loadConfig({ DATA_DIR: "" }).database.url).toBe("file:./data/latchkey.db");
  });
});

describe("resolvePasscodeKey", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("generates <DATA_DIR>/passcode.key with mode 0600 on the embedded default, then reuses it", () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-key-"));
    const dataDir = join(dir, "data");
    const config = loadConfig({ DATA_DIR: dataDir });
    const first = resolvePasscodeKey(config);
    const file = join(dataDir, "passcode.key");
    expect(first.key).toHaveLength(32);
    expect(first.source).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(first.key.toString("hex"));

    const second = resolvePasscodeKey(config);
    expect(second.key.equals(first.key)).toBe(true);
    expect(second.source).toBe(file);
  });

  it("uses PASSCODE_KEY when it is set, and writes no file", () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-key-"));
    const key = "cd".repeat(32);
    const resolved = resolvePasscodeKey(loadConfig({ DATA_DIR: dir, PASSCODE_KEY: key }));
    expect(resolved).toEqual({ key: Buffer.from(key, "hex"), source: "PASSCODE_KEY" });
    expect(() => statSync(join(dir ?? "", "passcode.key"))).toThrow();
  });

  it("adds PASSCODE_KEY_PREVIOUS to the current key, from the environment or the key file", () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-key-"));
    const old = "01".repeat(32);
    const fromEnv = resolvePasscodeKeys(
      loadConfig({ DATA_DIR: dir, PASSCODE_KEY: "cd".repeat(32), PASSCODE_KEY_PREVIOUS: old }),
    );
    expect(fromEnv.key.toString("hex")).toBe("cd".repeat(32));
    expect(fromEnv.previous.map((k) => k.toString("hex"))).toEqual([old]);
    expect(fromEnv.source).toBe("PASSCODE_KEY, and 1 previous key from PASSCODE_KEY_PREVIOUS");

    // Embedded: the generated file stays the current key; the previous keys open older passcodes.
    const embedded = resolvePasscodeKeys(loadConfig({ DATA_DIR: dir, PASSCODE_KEY_PREVIOUS: old }));
    expect(embedded.key.toString("hex")).toBe(readFileSync(join(dir, "passcode.key"), "utf8").trim());
    expect(embedded.previous.map((k) => k.toString("hex"))).toEqual([old]);
    expect(resolvePasscodeKeys(loadConfig({ DATA_DIR: dir })).previous).toEqual([]);
  });

  it("refuses a PASSCODE_KEY_PREVIOUS that holds the current key (a rotation without a new key)", () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-key-"));
    const key = "cd".repeat(32);
    const config = loadConfig({
      DATA_DIR: dir,
      PASSCODE_KEY: key,
      PASSCODE_KEY_PREVIOUS: `${"01".repeat(32)},${key}`,
    });
    expect(() => resolvePasscodeKeys(config)).toThrow(ConfigError);
    expect(() => resolvePasscodeKeys(config)).toThrow(/PASSCODE_KEY_PREVIOUS: holds the current key/);
  });

  it("requires PASSCODE_KEY on PostgreSQL", () => {
    const config = loadConfig({
      DATABASE_URL: "postgresql://db.internal/latchkey",
      SIMULATED_DEVICES: "true",
    });
    expect(() => resolvePasscodeKey(config)).toThrow(ConfigError);
    expect(() => resolvePasscodeKey(config)).toThrow(/PASSCODE_KEY/);
  });
});

describe("simulated devices only where they are meant to be (SIMULATED_DEVICES)", () => {
  const PG = "postgresql://latchkey@db.internal/latchkey";
  const refusal = /FIREBASE_SERVICE_ACCOUNT: required with .*SIMULATED_DEVICES=true/s;

  it.each([
    ["NODE_ENV=production", { NODE_ENV: "production" }],
    ["a PostgreSQL DATABASE_URL", { DATABASE_URL: PG }],
    ["PostgreSQL with SIMULATED_DEVICES=false", { DATABASE_URL: PG, SIMULATED_DEVICES: "false" }],
    [
      "NODE_ENV=production with SIMULATED_DEVICES=false",
      { NODE_ENV: "production", SIMULATED_DEVICES: "false" },
    ],
  ])("refuses %s without push, naming FIREBASE_SERVICE_ACCOUNT and SIMULATED_DEVICES", (_, env) => {
    expect(configError(env).message).toMatch(refusal);
  });

  it("runs simulated devices elsewhere only when asked explicitly, and says so", () => {
    const pg = loadConfig({ DATABASE_URL: PG, SIMULATED_DEVICES: "true" });
    expect([pg.simulator, pg.simulatorExplicit]).toEqual([true, true]);
    const prod = loadConfig({ NODE_ENV: "production", SIMULATED_DEVICES: "yes" });
    expect([prod.simulator, prod.simulatorExplicit]).toEqual([true, true]);
    const embedded = loadConfig({});
    expect([embedded.simulator, embedded.simulatorExplicit]).toEqual([true, false]);
  });

  it("uses real push with a Firebase service account, also in production", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: PG,
      FIREBASE_SERVICE_ACCOUNT: "/etc/fcm.json",
    });
    expect([config.simulator, config.playground, config.teams]).toEqual([false, false, null]);
  });

  it("switches the simulator off on the embedded default with SIMULATED_DEVICES=false (no Playground, no Teams local mode)", () => {
    const config = loadConfig({ SIMULATED_DEVICES: "false" });
    expect([config.simulator, config.playground, config.teams]).toEqual([false, false, null]);
    expect(config.host).toBe("0.0.0.0");
  });

  it("refuses SIMULATED_DEVICES=true together with FIREBASE_SERVICE_ACCOUNT", () => {
    const err = configError({ SIMULATED_DEVICES: "true", FIREBASE_SERVICE_ACCOUNT: "/etc/fcm.json" });
    expect(err.message).toMatch(/^\s*SIMULATED_DEVICES: .*FIREBASE_SERVICE_ACCOUNT/m);
  });
});

describe("HOST: loopback by default when Teams local mode or the Playground is on", () => {
  it.each([
    ["the embedded default (Playground and Teams local mode)", {}],
    ["the Playground with Teams off", { TEAMS_ENABLED: "false" }],
    [
      "Teams local mode with real Slack credentials (no Playground)",
      { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" },
    ],
  ])("listens on 127.0.0.1 with %s", (_, env) => {
    const config = loadConfig(env);
    expect(config.host).toBe("127.0.0.1");
    expect(config.hostWarning).toBeNull();
  });

  it("listens on every interface when neither is on", () => {
    const push = { FIREBASE_SERVICE_ACCOUNT: "/etc/fcm.json" };
    expect(loadConfig(push).host).toBe("0.0.0.0");
    expect(loadConfig({ SIMULATED_DEVICES: "false" }).host).toBe("0.0.0.0");
    const slackOnly = { TEAMS_ENABLED: "false", SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };
    expect(loadConfig(slackOnly).host).toBe("0.0.0.0");
  });

  it("keeps an explicit HOST, warning when it is not loopback and local-only features are on", () => {
    const open = loadConfig({ HOST: "0.0.0.0" });
    expect(open.host).toBe("0.0.0.0");
    expect(open.hostWarning).toMatch(
      /HOST=0\.0\.0\.0 is not a loopback address.*Teams local mode and the Playground/,
    );
    for (const host of ["127.0.0.1", "::1", "localhost"])
      expect(loadConfig({ HOST: host }).hostWarning).toBeNull();
    expect(loadConfig({ HOST: "0.0.0.0", FIREBASE_SERVICE_ACCOUNT: "/etc/fcm.json" }).hostWarning).toBeNull();
  });
});

describe("metrics and Teams settings", () => {
  it("serves /metrics on 127.0.0.1:9464 by default, a free port when PORT=0, none with METRICS_PORT=off", () => {
    expect(loadConfig({}).metrics).toEqual({ port: 9464, host: "127.0.0.1", token: null });
    expect(loadConfig({ PORT: "0" }).metrics.port).toBe(0);
    expect(loadConfig({ METRICS_PORT: "off" }).metrics.port).toBeNull();
    const token = "t".repeat(32);
    expect(
      loadConfig({ METRICS_PORT: "9100", METRICS_HOST: "0.0.0.0", METRICS_TOKEN: token }).metrics,
    ).toEqual({
      port: 9100,
      host: "0.0.0.0",
      token,
    });
  });

  it("refuses a MultiTenant bot without MICROSOFT_APP_TENANT_ID, naming it", () => {
    const bot = { MICROSOFT_APP_ID: "app", MICROSOFT_APP_PASSWORD: "pw", MICROSOFT_APP_TYPE: "MultiTenant" };
    expect(configError(bot).message).toMatch(/^\s*MICROSOFT_APP_TENANT_ID: required for a MultiTenant bot/m);
    expect(loadConfig({ ...bot, MICROSOFT_APP_TENANT_ID: "tenant" }).teams?.tenantId).toBe("tenant");
  });
});
