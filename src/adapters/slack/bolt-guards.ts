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

type ProcessEventErrorArgs = Parameters<typeof HTTPModuleFunctions.defaultProcessEventErrorHandler>[0];

/**
 * Bolt's default answer to an error while it processes a signed request is a bare 500. A
 * TypeError there means the payload lacks what its type promises (a view_submission without a
 * view, block_actions whose actions are not a list): that is the sender's fault, answered 400
 * with a reason. Anything else keeps Bolt's answer, with a body saying where to look.
 */
export async function answerProcessingError(args: ProcessEventErrorArgs): Promise<boolean> {
  const { error, response, logger } = args;
  if (response.headersSent || (error as { code?: unknown }).code === "slack_bolt_authorization_error") {
    return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  }
  // Bolt wraps errors without a code in an UnknownError that keeps the original.
  const original = (error as { original?: unknown }).original ?? error;
  const malformed = original instanceof TypeError;
  logger.warn(`Slack request not processed (${malformed ? "malformed payload" : "error"}): ${error.message}`);
  response.writeHead(malformed ? 400 : 500, { "content-type": "application/json" });
  response.end(
    JSON.stringify({
      error: malformed
        ? "The Slack payload is malformed: a field its type requires is missing or of the wrong kind."
        : "Latchkey could not process this Slack request; its log says why.",
    }),
  );
  return !malformed;
}
