// The Intune back-end's settings (Microsoft Graph by client credentials), for src/config.ts:
// INTUNE_TENANT_ID, INTUNE_CLIENT_ID and INTUNE_CLIENT_SECRET switch it on, all three or none.
// The URLs serve national clouds and local stand-ins; both must be https origins. No message
// here echoes the secret.
import { z } from "zod";
import { ConfigError, duration } from "./config-values.ts";

export interface IntuneConfig {
  /** The directory (tenant) ID, or its domain such as contoso.onmicrosoft.com. */
  tenantId: string;
  /** The app registration's application (client) ID. */
  clientId: string;
  clientSecret: string;
  /** An https origin without a trailing slash, e.g. https://graph.microsoft.com. */
  graphUrl: string;
  /** An https origin without a trailing slash, e.g. https://login.microsoftonline.com. */
  authorityUrl: string;
  syncEveryMs: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const httpsOrigin = (example: string) =>
  z
    .string()
    .default(example)
    .transform((v, ctx) => {
      const url = URL.canParse(v.trim()) ? new URL(v.trim()) : null;
      if (url?.protocol !== "https:" || url.pathname !== "/" || url.search || url.hash || url.username) {
        ctx.addIssue({
          code: "custom",
          message: `must be an https:// address with no path, such as ${example}`,
        });
        return z.NEVER;
      }
      return url.origin;
    });

/** Merged into the one schema in src/config.ts. */
export const intuneEnvSchema = {
  INTUNE_TENANT_ID: z
    .string()
    .optional()
    .refine((v) => v === undefined || GUID.test(v.trim()) || DOMAIN.test(v.trim()), {
      message:
        "must be the directory (tenant) ID, a GUID (or the tenant's domain, such as contoso.onmicrosoft.com)",
    })
    .refine(
      (v) => v === undefined || !["common", "organizations", "consumers"].includes(v.trim().toLowerCase()),
      {
        message: "must name one tenant: client credentials cannot use common, organizations or consumers",
      },
    ),
  INTUNE_CLIENT_ID: z
    .string()
    .optional()
    .refine((v) => v === undefined || GUID.test(v.trim()), {
      message: "must be the app registration's application (client) ID, a GUID",
    }),
  INTUNE_CLIENT_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || !GUID.test(v.trim()), {
      message: "looks like the secret's ID (a GUID); use the secret's Value, shown once when it was created",
    }),
  INTUNE_GRAPH_URL: httpsOrigin("https://graph.microsoft.com"),
  INTUNE_AUTHORITY_URL: httpsOrigin("https://login.microsoftonline.com"),
  INTUNE_SYNC_EVERY: duration("1h").refine((ms) => ms >= 60_000, { message: "must be at least 1m" }),
};

type IntuneEnv = z.infer<z.ZodObject<typeof intuneEnvSchema>>;

const SWITCHES = ["INTUNE_TENANT_ID", "INTUNE_CLIENT_ID", "INTUNE_CLIENT_SECRET"] as const;

/** The Intune settings, or null when none of the three switches is set. */
export function intuneConfig(e: IntuneEnv): IntuneConfig | null {
  const given = SWITCHES.filter((name) => e[name]);
  if (given.length === 0) return null;
  if (given.length < SWITCHES.length) {
    const lines = SWITCHES.filter((name) => !e[name]).map(
      (name) =>
        `  ${name}: required when ${given.join(" and ")} ${given.length > 1 ? "are" : "is"} set (Intune needs all three)`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return {
    tenantId: (e.INTUNE_TENANT_ID ?? "").trim(),
    clientId: (e.INTUNE_CLIENT_ID ?? "").trim(),
    clientSecret: e.INTUNE_CLIENT_SECRET ?? "",
    graphUrl: e.INTUNE_GRAPH_URL,
    authorityUrl: e.INTUNE_AUTHORITY_URL,
    syncEveryMs: e.INTUNE_SYNC_EVERY,
  };
}
