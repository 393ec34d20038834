// `npm run teams:package` (optionally `-- --out <file>`): the Teams app package (manifest.json + the two icons, at the root of a
// zip) in dist/latchkey-teams.zip, ready to sideload or upload to the org's app catalog. The bot id
// and the valid domain are taken from MICROSOFT_APP_ID and PUBLIC_URL when set. No dependencies: a
// minimal zip writer (deflate via node:zlib, CRC-32, one central directory).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = join(ROOT, "manifests", "teams");
const PLACEHOLDER_BOT_ID = "00000000-0000-0000-0000-000000000000";

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive of `files` ({ name, data }), each deflated; fixed timestamp so builds are reproducible. */
export function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const DOS_TIME = 0;
  const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;
  for (const { name, data } of files) {
    const nameBuf = Buffer.from(name, "utf8");
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    central.writeUInt16LE(20, 6); // needed
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The manifest with the deployment's bot id and domain filled in. */
export function deployedManifest(text, env) {
  const manifest = JSON.parse(text);
  const botId = env.MICROSOFT_APP_ID?.trim();
  if (botId) {
    for (const bot of manifest.bots ?? []) bot.botId = botId;
    for (const ext of manifest.composeExtensions ?? []) ext.botId = botId;
  }
  const publicUrl = env.PUBLIC_URL?.trim();
  if (publicUrl) manifest.validDomains = [new URL(publicUrl).host];
  return manifest;
}

export function buildPackage(env, outFile = join(ROOT, "dist", "latchkey-teams.zip")) {
  const manifest = deployedManifest(readFileSync(join(SOURCE, "manifest.json"), "utf8"), env);
  const files = [
    { name: "manifest.json", data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: manifest.icons.color, data: readFileSync(join(SOURCE, manifest.icons.color)) },
    { name: manifest.icons.outline, data: readFileSync(join(SOURCE, manifest.icons.outline)) },
  ];
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, zip(files));
  return { outFile, manifest };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out");
  const out = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : undefined;
  const { outFile, manifest } = buildPackage(process.env, out);
  const placeholder = manifest.bots.some((b) => b.botId === PLACEHOLDER_BOT_ID);
  process.stdout.write(`Teams app package written to ${outFile}\n`);
  if (placeholder) {
    process.stdout.write(
      "Note: MICROSOFT_APP_ID is not set, so the package names a placeholder bot id. Set it (and PUBLIC_URL) and run again before uploading.\n",
    );
  }
}
