// Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went during a window: each
// sample is charged to the innermost frame that belongs to a package or to Latchkey's own source
// (native and node-internal frames are charged to whoever called them), then grouped by package,
// with Bolt split by file so its stages show (signature, body, routing, dispatch, ack).
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Breakdown {
  /** Sampled time in the window, in µs, idle included. */
  totalUs: number;
  idleUs: number;
  /** µs per bucket (idle excluded). */
  buckets: Map<string, number>;
}

const SPECIAL: Record<string, string> = {
  "(garbage collector)": "V8: garbage collection",
  "(program)": "V8: compiler and runtime",
};

const BOLT_FILES: [RegExp, string][] = [
  [/receivers\/verify-request/, "Bolt: signature verification"],
  [/receivers\/HTTPModuleFunctions/, "Bolt: body reading, parsing (querystring + JSON)"],
  [/receivers\/HTTPResponseAck/, "Bolt: ack and its 3 s timer"],
  [/receivers\/HTTPReceiver/, "Bolt: HTTPReceiver routing"],
];

const WEB_API =
  /node_modules\/(@slack\/web-api|axios|form-data|follow-redirects|proxy-from-env|p-queue|p-retry|retry|eventemitter3|combined-stream|mime-types|asynckit)\//;
const WEB_API_BUCKET = "Web API client (calls after the ack)";
const SOCKET_WRITES = new Set(["writev", "writeBuffer", "writeUtf8String", "writeLatin1String"]);
const BODY = /node_modules\/(raw-body|iconv-lite|bytes|http-errors|unpipe|safer-buffer)\//;
const DATABASE = /node_modules\/(@prisma|better-sqlite3|pg)|\/src\/generated\/|\/src\/adapters\/db\//;

/** The bucket a frame belongs to, or null for native and node-internal frames (charged to the caller). */
export function bucketOf(frame: CallFrame): string | null {
  const url = frame.url;
  if (!url) return null;
  // Node internals, and WebAssembly (Prisma's query compiler, undici's HTTP parser): the caller's.
  if (url.startsWith("node:") || url.startsWith("wasm:")) return null;
  if (DATABASE.test(url)) return "Database (Prisma + SQLite)";
  if (WEB_API.test(url)) return WEB_API_BUCKET;
  if (BODY.test(url)) return "Bolt: body reading (raw-body)";
  if (url.includes("/@slack/bolt/")) {
    return BOLT_FILES.find(([re]) => re.test(url))?.[1] ?? "Bolt: App.processEvent, middleware, listeners";
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) return `package ${pkg}`;
  const src = /\/src\/(.+)$/.exec(url)?.[1];
  if (src?.endsWith("adapters/slack/http-receiver.ts"))
    return "Latchkey: HTTP receiver (body, signature, ack)";
  if (src?.endsWith("adapters/slack/web-fetch.ts")) return WEB_API_BUCKET;
  if (src)
    return src.includes("adapters/slack/") ? "Latchkey: Slack adapter" : `Latchkey: ${src.split("/")[0]}`;
  if (url.includes("/bench/")) return "benchmark target script";
  return "other JavaScript";
}

/** What a stack of frames (leaf first) is charged to. */
function chargeOf(stack: CallFrame[]): string {
  const leaf = stack[0];
  if (leaf && SPECIAL[leaf.functionName]) return SPECIAL[leaf.functionName] as string;
  for (const frame of stack) {
    const bucket = bucketOf(frame);
    if (bucket) return bucket;
  }
  // The Web API client (@slack/web-api 8) sends with fetch: undici's frames are its own.
  if (stack.some((f) => f.url.includes("deps/undici"))) return WEB_API_BUCKET;
  const internal = stack.find((f) => f.url.startsWith("node:"))?.url ?? "";
  if (/_http|internal\/http|node:net|stream/.test(internal) || SOCKET_WRITES.has(leaf?.functionName ?? ""))
    return "node: http, sockets, streams";
  return internal ? "node: other internals (timers, promises…)" : "V8: native";
}

/** Where the time went between `fromUs` and `toUs` (the clock of process.hrtime, in µs). */
export function analyseProfile(file: string, window: { fromUs: number; toUs: number }): Breakdown {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const charges = new Map<number, string>();
  const chargeFor = (id: number): string => {
    const known = charges.get(id);
    if (known) return known;
    const stack: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node) stack.push(node.callFrame);
    }
    const charge = stack[0]?.functionName === "(idle)" ? "(idle)" : chargeOf(stack);
    charges.set(id, charge);
    return charge;
  };

  const out: Breakdown = { totalUs: 0, idleUs: 0, buckets: new Map() };
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const weight = profile.timeDeltas[i + 1] ?? 0;
    if (t < window.fromUs || t > window.toUs) continue;
    out.totalUs += weight;
    const charge = chargeFor(profile.samples[i] as number);
    if (charge === "(idle)") out.idleUs += weight;
    else out.buckets.set(charge, (out.buckets.get(charge) ?? 0) + weight);
  }
  return out;
}
