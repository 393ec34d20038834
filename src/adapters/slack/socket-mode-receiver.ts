// Socket Mode for Bolt, as Bolt's own SocketModeReceiver does it, plus what that one cannot do:
// pass Web API options (SLACK_API_URL, retries) to the client that opens the connection, so
// Socket Mode can be pointed at a Slack-compatible server like HTTP mode can.
import type { App, Logger as BoltLogger, Receiver, ReceiverEvent } from "@slack/bolt";
import { SocketModeClient } from "@slack/socket-mode";

interface SlackEventArgs {
  body: Record<string, unknown>;
  ack: (response?: Record<string, unknown>) => Promise<void>;
  retry_num?: number;
  retry_reason?: string;
}

export class LatchkeySocketModeReceiver implements Receiver {
  private app: App | null = null;
  readonly client: SocketModeClient;

  constructor(opts: { appToken: string; logger: BoltLogger; slackApiUrl?: string }) {
    this.client = new SocketModeClient({
      appToken: opts.appToken,
      logger: opts.logger,
      clientOptions: opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {},
    });
    this.client.on("slack_event", (args: SlackEventArgs) => void this.dispatch(args, opts.logger));
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<unknown> {
    return this.client.start();
  }

  async stop(): Promise<void> {
    await this.client.disconnect();
  }

  private async dispatch(args: SlackEventArgs, logger: BoltLogger): Promise<void> {
    let acked = false;
    const event: ReceiverEvent = {
      body: args.body,
      // Bolt calls ack once; the envelope must be acknowledged exactly once or Slack redelivers.
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        await args.ack(response as Record<string, unknown> | undefined);
      },
      ...(args.retry_num !== undefined ? { retryNum: args.retry_num } : {}),
      ...(args.retry_reason !== undefined ? { retryReason: args.retry_reason } : {}),
    };
    try {
      await this.app?.processEvent(event);
    } catch (err) {
      logger.error(`Socket Mode event failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!acked) await event.ack();
    }
  }
}
