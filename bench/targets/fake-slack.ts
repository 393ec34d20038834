// The fake Slack Web API in a process of its own (so its work never stalls the load generator's
// event loop), driven over IPC by the benchmark: it says where it listens, counts the calls it
// got, hands back the last view Latchkey filled, and forgets everything between runs.
import { type FakeSlack, startFakeSlack } from "../../test/fakes/fake-slack-api.ts";
import { ADMIN, TARGET } from "../lib/slack-payloads.ts";

export type FakeRequest = { type: "counts" } | { type: "reset" } | { type: "lastModal" };
export type FakeReply =
  | { type: "ready"; url: string; apiUrl: string }
  | { type: "counts"; counts: Record<string, number>; errors: number; lastCallAt: number }
  | { type: "reset" }
  | { type: "lastModal"; view: unknown };

const fake: FakeSlack = await startFakeSlack({
  teamId: "T0BENCH",
  users: [
    { id: ADMIN.id, name: ADMIN.name, realName: "Ada Admin", email: "ada.admin@example.com" },
    { id: TARGET.id, name: TARGET.name, realName: "Felix Field", email: "felix.field@example.com" },
  ],
});

const send = (reply: FakeReply) => process.send?.(reply);

process.on("message", (msg: FakeRequest) => {
  if (msg.type === "counts") {
    const counts: Record<string, number> = {};
    let errors = 0;
    for (const call of fake.calls) {
      counts[call.method] = (counts[call.method] ?? 0) + 1;
      if (call.error) errors++;
    }
    for (const response of fake.responses) {
      const text = (response.body as { text?: string } | undefined)?.text ?? "";
      const key = text.includes("busy") ? "response_url: busy" : "response_url";
      counts[key] = (counts[key] ?? 0) + 1;
    }
    send({ type: "counts", counts, errors, lastCallAt: fake.calls.at(-1)?.at.getTime() ?? 0 });
  } else if (msg.type === "reset") {
    fake.reset();
    send({ type: "reset" });
  } else {
    send({ type: "lastModal", view: fake.lastModal() });
  }
});
process.on("disconnect", () => void fake.close().then(() => process.exit(0)));
send({ type: "ready", url: fake.url, apiUrl: fake.apiUrl });
