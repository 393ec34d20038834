// Run as a child process (`node --import tsx test/support/graph-child.ts`) with the fake Graph's
// INTUNE_* settings and, or not, NODE_EXTRA_CA_CERTS. It takes the production path: the settings
// through loadConfig, no `ca` option anywhere (msal's own network client, node:https for Graph).
// It reads every managed device, posts one remoteLock and prints one JSON line.
import { createGraphClient } from "../../src/adapters/intune/graph-client.ts";
import { createGraphToken } from "../../src/adapters/intune/graph-token.ts";
import { loadConfig } from "../../src/config.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
try {
  // Only the INTUNE_* settings: the rest of the test runner's environment is not this process's concern.
  const intuneEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("INTUNE_")));
  const intune = loadConfig(intuneEnv).intune;
  if (!intune) throw new Error("INTUNE_* settings missing");
  const token = createGraphToken({ ...intune, log: quiet });
  const graph = createGraphClient({ graphUrl: intune.graphUrl, token, log: quiet, maxAttempts: 1 });
  const ids: string[] = [];
  for await (const page of graph.pages<{ id: string }>("/v1.0/deviceManagement/managedDevices?$select=id")) {
    ids.push(...page.map((d) => d.id));
  }
  const lock = await graph.post(`/v1.0/deviceManagement/managedDevices/${ids[0]}/remoteLock`);
  process.stdout.write(`${JSON.stringify({ ok: true, ids, lockStatus: lock.status })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
}
