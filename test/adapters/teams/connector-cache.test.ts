// One ConnectorClient per app id, service URL and audience, and one UserTokenClient per app id,
// instead of new ones every turn (src/adapters/teams/connector-cache.ts), through botbuilder's own
// authentication: what a turn gets is what the previous turn got, a failure is not kept, and the
// cache is bounded.
import type { Activity } from "botbuilder";
import { describe, expect, it } from "vitest";
import { CachingBotFrameworkAuthentication } from "../../../src/adapters/teams/connector-cache.ts";

const LOCAL = { MicrosoftAppId: "", MicrosoftAppPassword: "", MicrosoftAppType: "MultiTenant" };

const activity = (serviceUrl: string) =>
  ({
    type: "invoke",
    name: "composeExtension/fetchTask",
    channelId: "msteams",
    serviceUrl,
    from: { id: "29:ada" },
    recipient: { id: "28:bot" },
    conversation: { id: "19:c" },
  }) as Activity;

/** botbuilder's credentials factory contract; authentication off, as in local mode. */
function credentials(failFirst: number) {
  let made = 0;
  let failures = failFirst;
  return {
    made: () => made,
    factory: {
      isValidAppId: async () => true,
      isAuthenticationDisabled: async () => true,
      createCredentials: async () => {
        if (failures > 0) {
          failures--;
          throw new Error("the identity provider did not answer");
        }
        made++;
        return { signRequest: async (r: unknown) => r };
      },
    },
  };
}

async function connectorFor(auth: CachingBotFrameworkAuthentication, serviceUrl: string) {
  const result = await auth.authenticateRequest(activity(serviceUrl), "");
  return result.connectorFactory?.create(serviceUrl, result.audience);
}

describe("Teams connector clients, kept between turns", () => {
  it("gives every turn to the same service the client the first one got; another service its own", async () => {
    const auth = new CachingBotFrameworkAuthentication(LOCAL);
    const first = await connectorFor(auth, "http://127.0.0.1:3978/amer/");
    expect(first).toBeDefined();
    expect(await connectorFor(auth, "http://127.0.0.1:3978/amer/")).toBe(first);
    const other = await connectorFor(auth, "http://127.0.0.1:3978/emea/");
    expect(other).not.toBe(first);
    expect((other as unknown as { baseUri?: string }).baseUri ?? "").toContain("/emea");
    // A proactive send's factory is served from the same clients.
    const claims = (await auth.authenticateRequest(activity("http://127.0.0.1:3978/amer/"), ""))
      .claimsIdentity;
    const result = await auth.authenticateRequest(activity("http://127.0.0.1:3978/amer/"), "");
    expect(
      await auth.createConnectorFactory(claims).create("http://127.0.0.1:3978/amer/", result.audience),
    ).toBe(first);
    expect(await auth.createUserTokenClient(claims)).toBe(await auth.createUserTokenClient(claims));
  });

  it("does not keep a failure: the next turn builds the client again", async () => {
    const creds = credentials(1);
    const auth = new CachingBotFrameworkAuthentication(LOCAL, creds.factory as never);
    await expect(connectorFor(auth, "http://127.0.0.1:3978/")).rejects.toThrow(/did not answer/);
    const second = await connectorFor(auth, "http://127.0.0.1:3978/");
    expect(second).toBeDefined();
    expect(await connectorFor(auth, "http://127.0.0.1:3978/")).toBe(second);
    expect(creds.made()).toBe(1);
  });

  it("keeps at most 64 clients: the oldest goes first", async () => {
    const creds = credentials(0);
    const auth = new CachingBotFrameworkAuthentication(LOCAL, creds.factory as never);
    const url = (i: number) => `http://127.0.0.1:3978/region-${i}/`;
    const first = await connectorFor(auth, url(0));
    for (let i = 1; i < 64; i++) await connectorFor(auth, url(i));
    expect(await connectorFor(auth, url(0))).toBe(first);
    expect(creds.made()).toBe(64);
    await connectorFor(auth, url(64));
    expect(creds.made()).toBe(65);
    expect(await connectorFor(auth, url(0))).not.toBe(first);
    expect(creds.made()).toBe(66);
  });
});
