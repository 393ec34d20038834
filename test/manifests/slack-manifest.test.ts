// The Slack manifest and the handlers must name the same command, shortcut, scopes and events, or
// the app installs fine and then silently never receives what it listens for. This reads the
// manifest and checks it against src/adapters/slack/ids.ts and against Slack's field limits (as
// documented on the Manifest type of @slack/web-api 8.2).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { BOT_EVENTS, BOT_SCOPES, REPORT_LOST_SHORTCUT, SLACK_COMMAND } from "../../src/adapters/slack/ids.ts";

const url = z.url({ protocol: /^https$/ });
const Manifest = z.object({
  display_information: z.object({
    name: z.string().min(1).max(35),
    description: z.string().max(140),
    background_color: z.string().regex(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i),
  }),
  features: z.object({
    bot_user: z.object({
      display_name: z
        .string()
        .max(80)
        .regex(/^[a-z0-9._-]+$/),
      always_online: z.boolean(),
    }),
    app_home: z.object({
      home_tab_enabled: z.boolean(),
      messages_tab_enabled: z.boolean(),
      messages_tab_read_only_enabled: z.boolean(),
    }),
    shortcuts: z
      .array(
        z.object({
          name: z.string().min(1),
          type: z.enum(["global", "message"]),
          callback_id: z.string().max(255),
          description: z.string().max(150),
        }),
      )
      .max(10),
    slash_commands: z
      .array(
        z.object({
          command: z.string().max(32).startsWith("/"),
          url,
          description: z.string().max(2000),
          usage_hint: z.string().max(1000),
          should_escape: z.boolean(),
        }),
      )
      .max(50),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()).max(255) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: url, bot_events: z.array(z.string()).max(100) }),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: url }),
    org_deploy_enabled: z.boolean(),
    socket_mode_enabled: z.boolean(),
    token_rotation_enabled: z.boolean(),
  }),
});

const manifestPath = new URL("../../manifests/slack/manifest.yaml", import.meta.url);
const manifest = Manifest.parse(parse(readFileSync(manifestPath, "utf8")));

describe("Slack app manifest", () => {
  it("declares the command the handlers listen for, with Slack escaping mentions", () => {
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toEqual([]);
    expect(command?.command).toBe(SLACK_COMMAND);
    // The handlers parse <@U123|name>; without should_escape Slack sends plain "@name" text.
    expect(command?.should_escape).toBe(true);
  });

  it("declares the lost-device shortcut under the callback_id the handler uses", () => {
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({ type: "global", callback_id: REPORT_LOST_SHORTCUT }),
    ]);
  });

  it("asks for exactly the bot scopes and events ids.ts lists", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(Object.keys(BOT_SCOPES).sort());
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...BOT_EVENTS].sort());
  });

  it("sends commands, interactions and events to the one Bolt endpoint", () => {
    const urls = [
      ...manifest.features.slash_commands.map((c) => c.url),
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ];
    expect(new Set(urls).size).toBe(1);
    expect(new URL(urls[0] ?? "").pathname).toBe("/slack/events");
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it("enables the Home tab the app_home_opened handler publishes to", () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it("keeps the shortcut name short enough to read in the shortcuts menu (our bound: Slack documents none)", () => {
    for (const s of manifest.features.shortcuts) expect(s.name.length).toBeLessThanOrEqual(24);
  });
});
