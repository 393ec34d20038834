// botbuilder builds a new ConnectorClient (an Azure HTTP pipeline and its credentials) and a new
// UserTokenClient for every incoming activity and every proactive send: in benchmark 2 that was
// about a fifth of an invoke's CPU, the bare bot's included. Neither holds anything of a turn (the
// pipeline is configuration; the credentials cache their tokens), so one of each per bot app id,
// service URL and audience serves every turn. Bounded: the service URLs are Teams' few regional
// endpoints, but a map keyed by what a request says must not grow without end.
import { type Activity, ConfigurationBotFrameworkAuthentication } from "botbuilder";

type Auth = ConfigurationBotFrameworkAuthentication;
type AuthResult = Awaited<ReturnType<Auth["authenticateRequest"]>>;
type Factory = ReturnType<Auth["createConnectorFactory"]>;
type Claims = Parameters<Auth["createConnectorFactory"]>[0];
type Client = Awaited<ReturnType<Factory["create"]>>;
type TokenClient = Awaited<ReturnType<Auth["createUserTokenClient"]>>;

const MAX_ENTRIES = 64;

/** The app id botbuilder builds clients for: the token's audience (Teams), else its appid (Emulator). */
function appIdOf(claims: Claims): string {
  return claims.getClaimValue("aud") ?? claims.getClaimValue("appid") ?? "";
}

class BoundedCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  get(key: string, make: () => Promise<T>): Promise<T> {
    const held = this.entries.get(key);
    if (held) return held;
    const made = make();
    // A failure (credentials that could not be built) is not kept: the next turn tries again.
    made.catch(() => this.entries.delete(key));
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, made);
    return made;
  }
}

export class CachingBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new BoundedCache<Client>();
  private readonly tokenClients = new BoundedCache<TokenClient>();

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthResult> {
    const result = await super.authenticateRequest(activity, authHeader);
    const factory = result.connectorFactory;
    return factory
      ? { ...result, connectorFactory: this.caching(factory, appIdOf(result.claimsIdentity)) }
      : result;
  }

  override createConnectorFactory(claims: Claims): Factory {
    return this.caching(super.createConnectorFactory(claims), appIdOf(claims));
  }

  override createUserTokenClient(claims: Claims): Promise<TokenClient> {
    return this.tokenClients.get(appIdOf(claims), () => super.createUserTokenClient(claims));
  }

  private caching(factory: Factory, appId: string): Factory {
    const create = (serviceUrl: string, audience?: string) =>
      this.connectors.get(`${appId}\n${serviceUrl}\n${audience ?? ""}`, () =>
        factory.create(serviceUrl, audience),
      );
    return { create } as Factory;
  }
}
