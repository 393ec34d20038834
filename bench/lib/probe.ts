// Before anything is measured, each target must answer as in production: a benchmark of requests
// that fail (a wrong signature, an unknown form) would time the wrong path.
import type { FakeSlackProcess } from "./fake-slack.ts";
import type { Target } from "./processes.ts";
import { commandBody, type FormView, type SignedRequest, sign, submissionBody } from "./slack-payloads.ts";

/**
 * Checks Latchkey answers as in production before it is measured: the command is acked with an
 * empty body and opens the reset form through the fake API; "Next" on that form is acked with the
 * pushed confirmation. Returns the form and its first device, to submit.
 */
export async function probeLatchkey(
  target: Target,
  fake: FakeSlackProcess,
): Promise<{ form: FormView; deviceId: string }> {
  await expectAck(target, sign(commandBody(fake.url)), "");
  await fake.settle();
  const form = (await fake.lastModal()) as FormView | null;
  if (form?.callback_id !== "reset_form") {
    const { counts } = await fake.counts();
    throw new Error(`Latchkey did not fill the reset form (Web API calls: ${JSON.stringify(counts)})`);
  }
  const picker = form.blocks.find((b) => (b as { block_id?: string }).block_id === "device_block") as
    | { element?: { options?: { value: string }[] } }
    | undefined;
  const deviceId = picker?.element?.options?.[0]?.value;
  if (!deviceId) throw new Error("the reset form offers no device to choose");
  const pushed = await expectAck(target, sign(submissionBody(form, deviceId)), null);
  if (!pushed.includes('"response_action":"push"')) {
    throw new Error(`Latchkey did not push the confirmation: ${pushed.slice(0, 300)}`);
  }
  await fake.reset();
  return { form, deviceId };
}

/** Sends one request; it must be answered 200 (with `body` exactly, unless null). */
export async function expectAck(target: Target, signed: SignedRequest, body: string | null): Promise<string> {
  const res = await fetch(`${target.url}/slack/events`, {
    method: "POST",
    headers: signed.headers,
    body: signed.body,
  });
  const text = await res.text();
  if (res.status !== 200 || (body !== null && text !== body)) {
    throw new Error(`${target.name} answered ${res.status} ${JSON.stringify(text.slice(0, 200))}`);
  }
  return text;
}
