// What the Intune back-end needs from Microsoft Graph, named for the need: read a resource, read a
// collection page by page (following @odata.nextLink), post an action. The client behind it
// (graph-client.ts) gets its token by client credentials, honours 429 Retry-After, backs off on
// 5xx and keeps writes under Intune's per-app limit; the sync and the reset sequence only see this.

export interface GraphClient {
  /** GET a Graph path relative to INTUNE_GRAPH_URL, e.g. "/v1.0/deviceManagement/managedDevices/{id}". */
  get<T>(path: string): Promise<T>;
  /**
   * GET a collection, one page at a time as Graph sizes them, following `@odata.nextLink` (which
   * must stay on INTUNE_GRAPH_URL's origin) until the last page. Each page is its `value` array.
   */
  pages<T>(path: string): AsyncIterable<T[]>;
  /** POST an action (e.g. ".../managedDevices/{id}/resetPasscode"); resolves with the HTTP status (204). */
  post(path: string, body?: unknown): Promise<{ status: number }>;
}

/** A Graph answer that is neither success nor worth retrying: its status and Graph's error code. */
export class GraphError extends Error {
  override name = "GraphError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Graph could not be reached. `mayHaveActed`: a POST went out and no answer came back. */
export class GraphUnreachable extends Error {
  override name = "GraphUnreachable";
  constructor(
    message: string,
    readonly mayHaveActed: boolean,
  ) {
    super(message);
  }
}
