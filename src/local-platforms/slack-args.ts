// How Slack's Web API reads a call and words a refusal: form-encoded or JSON bodies (the JSON
// fields of a form, `view`, `blocks`, `attachments`, `metadata`, parsed back), a bearer token or a
// `token` field, and `{ ok: false, error, response_metadata.messages }` answers.

export type Args = Record<string, unknown>;
export type Reply = Record<string, unknown> & { ok: boolean };

const JSON_FIELDS = new Set(["view", "blocks", "attachments", "metadata"]);

export function fail(error: string, messages?: string[]): Reply {
  return messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function tryJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The arguments of a Web API call, its token taken out (a bearer token wins over a `token` field). */
export function parseCall(
  contentType: string | undefined,
  raw: string,
  authorization: string | undefined,
): { args: Args; token: string | undefined } {
  const args = parseArgs(contentType, raw);
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? str(args.token);
  delete args.token;
  return { args, token };
}

function parseArgs(contentType: string | undefined, raw: string): Args {
  if (contentType?.startsWith("application/json")) {
    const parsed = tryJson(raw);
    return isRecord(parsed) ? { ...parsed } : {};
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw))
    args[key] = JSON_FIELDS.has(key) ? tryJson(value) : value;
  return args;
}
