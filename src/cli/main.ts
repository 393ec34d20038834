// `npm run latchkey -- <command>`: operator CLI. Works on the same database as the server.
import { parseArgs } from "node:util";
import { createLogger } from "../adapters/log/logger.ts";
import { composeCore } from "../compose.ts";
import { ConfigError, loadConfig } from "../config.ts";
import * as cmd from "./commands.ts";
import { resend } from "./resend.ts";
import { syncCommand } from "./sync.ts";

const HELP = `Latchkey operator CLI

  latchkey import <file.json|file.csv>          import people and devices (upsert by email / id)
  latchkey devices [--owner EMAIL]              list devices and whether they can be reset
  latchkey check <deviceId> [--json]            the capability decision, its reason and warnings
  latchkey reset <deviceId> --as <adminEmail> [--notify-user] [--no-follow]
                                                reset the passcode and lock; follows the timeline
  latchkey lost <deviceId> --as <ownerEmail>    report your own device lost (locks it)
  latchkey cancel <requestId> --as <email> [--reason TEXT]
  latchkey approve <requestId> --as <adminEmail>  a second admin approves a reset (REQUIRE_APPROVAL)
  latchkey reject <requestId> --as <adminEmail> [--reason TEXT]
  latchkey requests [--limit N]                 latest requests and their state
  latchkey timeline <requestId>                 every event of one request
  latchkey audit [--since DATE] [--format csv|json]
  latchkey enroll-code <deviceId>               one-time code for a device agent to enroll
  latchkey resend <requestId> --as <adminEmail> send a passcode again whose every delivery failed
  latchkey sync intune                          import Intune's managed devices and their users now

The CLI is an operator console: whoever runs it has the database, and --as is taken on their word
(it is not checked). Audit rows of CLI actions have surface "cli"; approvals, rejections and
cancellations also say they were taken at the operator console on the word of --as.
`;

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: cmd.Io,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      as: { type: "string" },
      owner: { type: "string" },
      json: { type: "boolean" },
      "notify-user": { type: "boolean" },
      "no-follow": { type: "boolean" },
      key: { type: "string" },
      reason: { type: "string" },
      limit: { type: "string" },
      since: { type: "string" },
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, arg] = positionals;
  if (!command || values.help || command === "help") {
    io.out(HELP);
    return command || values.help ? 0 : 2;
  }
  const flags = { ...values, follow: values["no-follow"] ? false : undefined };
  const config = loadConfig({ ...env, DEMO_INVENTORY: "false" });
  const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr as never);
  const core = await composeCore(config, log);
  const e = core.engine;
  try {
    switch (command) {
      case "import":
        return await cmd.importFile(e, io, arg);
      case "devices":
        return await cmd.listDevices(e, io, flags);
      case "check":
        return await cmd.checkDevice(e, io, arg, flags);
      case "reset":
        return await cmd.requestReset(e, io, arg, flags, "reset");
      case "lost":
        return await cmd.requestReset(e, io, arg, flags, "lost");
      case "cancel":
        return await cmd.cancel(e, io, arg, flags);
      case "approve":
      case "reject":
        return await cmd.decide(e, io, arg, flags, command);
      case "requests":
        return await cmd.listRequests(e, io, flags);
      case "timeline":
        return await cmd.timeline(e, io, arg);
      case "audit":
        return await cmd.audit(e, io, flags);
      case "enroll-code":
        return await cmd.enrollmentCode(e, io, arg);
      case "resend":
        return await resend(e, io, arg, values.as);
      case "sync":
        return await syncCommand(e, io, arg, core.intune);
      default:
        throw new cmd.UsageError(`Unknown command "${command}".\n\n${HELP}`);
    }
  } finally {
    await core.close();
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const io = {
    out: (t: string) => process.stdout.write(`${t}\n`),
    err: (t: string) => process.stderr.write(`${t}\n`),
  };
  runCli(process.argv.slice(2), process.env, io).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof cmd.UsageError || err instanceof ConfigError) {
        io.err(err.message);
        process.exit(2);
      }
      if (err instanceof Error && "code" in err && err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
        io.err(err.message);
        process.exit(2);
      }
      io.err(`latchkey: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
