// The Intune settings: off with none of the three credentials, on with all three, and a start-up
// that stops naming what is missing or wrong (never showing the secret).
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

const TENANT = "8e1d3c2a-5b7f-4c1e-9a0d-2f6b4e8c1a37";
const CLIENT = "5a0c9e7d-1f3b-4d2a-8e6c-9b1f0d3a7c25";
const SECRET = "Xy7~Q8s.abcDEFghiJKLmnoPQRstuVWxyz0123456";
const ON = { INTUNE_TENANT_ID: TENANT, INTUNE_CLIENT_ID: CLIENT, INTUNE_CLIENT_SECRET: SECRET };

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("Intune configuration", () => {
  it("is off with none of the credentials set, and the defaults alone do not switch it on", () => {
    expect(loadConfig({}).intune).toBeNull();
    expect(
      loadConfig({ INTUNE_SYNC_EVERY: "30m", INTUNE_GRAPH_URL: "https://graph.microsoft.us" }).intune,
    ).toBeNull();
    expect(loadConfig({ INTUNE_TENANT_ID: "  ", INTUNE_CLIENT_ID: "" }).intune).toBeNull();
  });

  it("is a real back-end: production on PostgreSQL starts with it and no push service, without simulated devices", () => {
    const env = { NODE_ENV: "production", DATABASE_URL: "postgresql://db.example/latchkey" };
    expect(configError(env)).toContain("the INTUNE_* settings for phones managed by Microsoft Intune");
    const config = loadConfig({ ...env, ...ON });
    expect(config.simulator).toBe(false);
    expect(config.intune?.tenantId).toBe(TENANT);
  });

  it("is on with all three, with Microsoft's public cloud and an hourly sync by default", () => {
    expect(loadConfig(ON).intune).toEqual({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      graphUrl: "https://graph.microsoft.com",
      authorityUrl: "https://login.microsoftonline.com",
      syncEveryMs: 3_600_000,
    });
  });

  it("takes a national cloud or a local stand-in, and the sync interval", () => {
    const intune = loadConfig({
      ...ON,
      INTUNE_TENANT_ID: "contoso.onmicrosoft.us",
      INTUNE_GRAPH_URL: "https://graph.microsoft.us/",
      INTUNE_AUTHORITY_URL: "https://127.0.0.1:8443",
      INTUNE_SYNC_EVERY: "15m",
    }).intune;
    expect(intune).toMatchObject({
      tenantId: "contoso.onmicrosoft.us",
      graphUrl: "https://graph.microsoft.us",
      authorityUrl: "https://127.0.0.1:8443",
      syncEveryMs: 900_000,
    });
  });

  it("stops start-up naming the missing credential when only some are set", () => {
    const message = configError({ INTUNE_TENANT_ID: TENANT, INTUNE_CLIENT_ID: CLIENT });
    expect(message).toContain(
      "INTUNE_CLIENT_SECRET: required when INTUNE_TENANT_ID and INTUNE_CLIENT_ID are set",
    );
    expect(message).not.toContain("INTUNE_TENANT_ID:");

    const two = configError({ INTUNE_CLIENT_SECRET: SECRET });
    expect(two).toContain("INTUNE_TENANT_ID: required when INTUNE_CLIENT_SECRET is set");
    expect(two).toContain("INTUNE_CLIENT_ID: required when INTUNE_CLIENT_SECRET is set");
    expect(two).not.toContain(SECRET);
  });

  it("refuses plain http and addresses with a path for Graph and the authority", () => {
    expect(configError({ ...ON, INTUNE_GRAPH_URL: "http://graph.microsoft.com" })).toMatch(
      /INTUNE_GRAPH_URL: must be an https:\/\/ address/,
    );
    expect(configError({ ...ON, INTUNE_AUTHORITY_URL: "http://127.0.0.1:8443" })).toMatch(
      /INTUNE_AUTHORITY_URL: must be an https:\/\/ address/,
    );
    expect(configError({ ...ON, INTUNE_GRAPH_URL: "https://graph.microsoft.com/v1.0" })).toContain(
      "INTUNE_GRAPH_URL",
    );
    expect(configError({ ...ON, INTUNE_AUTHORITY_URL: "not a url" })).toContain("INTUNE_AUTHORITY_URL");
  });

  it("names a bad sync interval", () => {
    expect(configError({ ...ON, INTUNE_SYNC_EVERY: "hourly" })).toMatch(
      /INTUNE_SYNC_EVERY: expected a duration/,
    );
    expect(configError({ ...ON, INTUNE_SYNC_EVERY: "10s" })).toMatch(
      /INTUNE_SYNC_EVERY: must be at least 1m/,
    );
  });

  it("names ids that are not ids, and a secret's ID given for its value, without echoing the secret", () => {
    expect(configError({ ...ON, INTUNE_CLIENT_ID: "latchkey" })).toMatch(/INTUNE_CLIENT_ID: .*a GUID/);
    expect(configError({ ...ON, INTUNE_TENANT_ID: "common" })).toMatch(
      /INTUNE_TENANT_ID: must name one tenant/,
    );
    expect(configError({ ...ON, INTUNE_TENANT_ID: "not a tenant" })).toContain("INTUNE_TENANT_ID");
    const secretId = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const message = configError({ ...ON, INTUNE_CLIENT_SECRET: secretId });
    expect(message).toMatch(/INTUNE_CLIENT_SECRET: looks like the secret's ID/);
    expect(message).not.toContain(secretId);
  });
});
