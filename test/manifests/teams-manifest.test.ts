// The Teams app manifest and the bot must name the same command and chat commands, or the app
// installs fine and then never receives what it listens for. The manifest is validated against
// Microsoft's JSON schema for its version (vendored by Microsoft's own @microsoft/app-manifest
// package, since developer.microsoft.com cannot be reached here), and the limits the schema does
// not state are checked by hand; the icons are checked as PNGs of the documented sizes; and
// `npm run teams:package` is run and its zip read back and validated too.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CHAT_COMMANDS, RESET_COMMAND_ID } from "../../src/adapters/teams/ids.ts";
import { TEAMS_MESSAGES_PATH } from "../../src/adapters/teams/teams-adapter.ts";

const DIR = join(import.meta.dirname, "..", "..", "manifests", "teams");
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const https = z.url({ protocol: /^https$/ });
const command = z.object({ title: z.string().min(1).max(32), description: z.string().min(1).max(128) });

const Manifest = z.object({
  $schema: z.string().regex(/\/teams\/v1\.(1[7-9]|[2-9]\d)\/MicrosoftTeams\.schema\.json$/),
  manifestVersion: z.string().regex(/^1\.(1[7-9]|[2-9]\d)$/),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  id: guid,
  developer: z.object({
    name: z.string().min(1).max(32),
    websiteUrl: https,
    privacyUrl: https,
    termsOfUseUrl: https,
  }),
  name: z.object({ short: z.string().min(1).max(30), full: z.string().max(100) }),
  description: z.object({ short: z.string().min(1).max(80), full: z.string().min(1).max(4000) }),
  icons: z.object({ color: z.string(), outline: z.string() }),
  accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  bots: z
    .array(
      z.object({
        botId: guid,
        scopes: z.array(z.enum(["personal", "team", "groupChat"])).min(1),
        supportsFiles: z.boolean(),
        isNotificationOnly: z.boolean(),
        commandLists: z
          .array(
            z.object({
              scopes: z.array(z.enum(["personal", "team", "groupChat"])),
              commands: z.array(command).max(10),
            }),
          )
          .max(3),
      }),
    )
    .length(1),
  composeExtensions: z
    .array(
      z.object({
        botId: guid,
        commands: z
          .array(
            command.extend({
              id: z.string().min(1).max(64),
              type: z.enum(["query", "action"]),
              context: z.array(z.enum(["compose", "commandBox", "message"])).min(1),
              fetchTask: z.boolean().optional(),
            }),
          )
          .min(1)
          .max(10),
      }),
    )
    .max(1),
  permissions: z.array(z.enum(["identity", "messageTeamMembers"])),
  validDomains: z.array(z.string().regex(/^[a-z0-9*.-]+(:\d+)?$/i)).max(16),
});

function pngInfo(buf: Buffer) {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  expect(buf.toString("latin1", 12, 16)).toBe("IHDR");
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const colorType = buf[25];
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length; ) {
    const len = buf.readUInt32BE(at);
    if (buf.toString("latin1", at + 4, at + 8) === "IDAT") idat.push(buf.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels: number[][] = [];
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0); // the writer uses filter 0 only
    for (let x = 0; x < width; x++) {
      const i = y * (width * 4 + 1) + 1 + x * 4;
      pixels.push([raw[i] ?? 0, raw[i + 1] ?? 0, raw[i + 2] ?? 0, raw[i + 3] ?? 0]);
    }
  }
  return { width, height, colorType, pixels };
}

function unzip(buf: Buffer): Map<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString("utf8", at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    out.set(name, inflateRawSync(buf.subarray(dataAt, dataAt + size)));
    at += 46 + nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return out;
}

const text = readFileSync(join(DIR, "manifest.json"), "utf8");
const manifest = Manifest.parse(JSON.parse(text));

/** Errors of `manifest` against Microsoft's schema for its manifestVersion (empty when valid). */
const require = createRequire(import.meta.url);
// CommonJS packages: loaded with require so their default exports keep their types.
const Ajv = require("ajv-draft-04") as typeof import("ajv-draft-04").default;
const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;

function schemaErrors(manifest: { manifestVersion: string }): string[] {
  const schemaPath = require.resolve(
    `@microsoft/app-manifest/build/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
  );
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

describe("Teams app manifest", () => {
  it("is valid against Microsoft's JSON schema for its version", () => {
    const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8"));
    expect(manifest.manifestVersion).toBe("1.17");
    expect(schemaErrors(manifest)).toEqual([]);
    // The check can fail: a manifest missing its bots' scopes is refused by the schema.
    const broken = structuredClone(manifest);
    delete broken.bots[0].scopes;
    expect(schemaErrors(broken).join("\n")).toMatch(/scopes/);
  });

  it("declares the action command the bot handles, from the compose box and a message's menu", () => {
    const [ext] = manifest.composeExtensions;
    const reset = ext?.commands.find((c) => c.id === RESET_COMMAND_ID);
    expect(reset).toMatchObject({ type: "action", fetchTask: true });
    expect(reset?.context).toEqual(expect.arrayContaining(["compose", "message"]));
    expect(ext?.botId).toBe(manifest.bots[0]?.botId);
  });

  it("offers the personal chat commands the bot understands, in all three scopes", () => {
    const bot = manifest.bots[0];
    expect(bot?.scopes.sort()).toEqual(["groupChat", "personal", "team"]);
    const listed = bot?.commandLists.flatMap((l) => l.commands) ?? [];
    expect(listed).toEqual(CHAT_COMMANDS.map((c) => ({ title: c.title, description: c.description })));
  });

  it("has a 192x192 color icon and a 32x32 outline icon that is white on transparent", () => {
    const color = pngInfo(readFileSync(join(DIR, manifest.icons.color)));
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = pngInfo(readFileSync(join(DIR, manifest.icons.outline)));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(outline.colorType).toBe(6);
    for (const [r, g, b, a] of outline.pixels) {
      expect(a === 0 || (r === 255 && g === 255 && b === 255)).toBe(true);
    }
    expect(outline.pixels.some(([, , , a]) => a === 255)).toBe(true);
  });

  it("is packaged by `npm run teams:package` with the deployment's bot id and domain", () => {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-teams-pkg-"));
    try {
      const out = join(dir, "app.zip");
      const botId = "11111111-2222-3333-4444-555555555555";
      execFileSync(process.execPath, [join(DIR, "..", "..", "scripts", "teams-package.mjs"), "--out", out], {
        env: { ...process.env, MICROSOFT_APP_ID: botId, PUBLIC_URL: "https://latchkey.contoso.example" },
      });
      const files = unzip(readFileSync(out));
      expect([...files.keys()].sort()).toEqual(["color.png", "manifest.json", "outline.png"]);
      const packaged = Manifest.parse(JSON.parse(String(files.get("manifest.json"))));
      expect(schemaErrors(packaged)).toEqual([]);
      expect(packaged.bots[0]?.botId).toBe(botId);
      expect(packaged.composeExtensions[0]?.botId).toBe(botId);
      expect(packaged.validDomains).toEqual(["latchkey.contoso.example"]);
      expect(files.get("color.png")).toEqual(readFileSync(join(DIR, "color.png")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the bot's endpoint is the one the Azure Bot registration is told about", () => {
    expect(TEAMS_MESSAGES_PATH).toBe("/api/messages");
  });
});
