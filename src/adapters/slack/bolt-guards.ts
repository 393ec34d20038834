// Bolt 5.1's HTTPReceiver reads `body.ssl_check` right after parsing, outside any try: a signed
// request whose body (or `payload` field) is JSON `null` rejects a detached promise, which Node
// treats as an unhandled rejection (the process would exit) and leaves the request unanswered.
// Making such a body a parse error lets Bolt's own handling answer it 400, as for any malformed
// body. Applied once, before the receiver is built; idempotent.
import { HTTPModuleFunctions } from "@slack/bolt";

const GUARDED = Symbol.for("latchkey.bolt.nullBodyGuard");

export function guardBoltBodyParsing(): void {
  const fns = HTTPModuleFunctions as unknown as Record<string | symbol, unknown>;
  if (fns[GUARDED]) return;
  const parse = HTTPModuleFunctions.parseHTTPRequestBody;
  fns.parseHTTPRequestBody = (req: Parameters<typeof parse>[0]) => {
    const body = parse(req);
    if (body === null || typeof body !== "object") throw new Error("the request body is not an object");
    return body;
  };
  fns[GUARDED] = true;
}
