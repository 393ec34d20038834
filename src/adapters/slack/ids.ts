// Every identifier Slack and Latchkey share: the manifest (manifests/slack/manifest.yaml) and the
// handlers both use these, and a test checks the manifest against them.

export const SLACK_COMMAND = "/reset-passcode";

/** callback_id of the global shortcut an employee uses to report a lost device. */
export const REPORT_LOST_SHORTCUT = "report_lost_device";

/** callback_ids of the modals. */
export const VIEWS = {
  resetForm: "reset_form",
  resetConfirm: "reset_confirm",
  lostForm: "lost_form",
  lostConfirm: "lost_confirm",
  details: "request_details",
  loading: "loading",
  /** A modal that only tells something (no one to act on, not allowed). */
  message: "message",
} as const;

/** action_ids of buttons and inputs. */
export const ACTIONS = {
  cancelRequest: "cancel_request",
  requestDetails: "request_details",
  reportLost: "report_lost",
  device: "device",
  notifyUser: "notify_user",
} as const;

/** block_ids of modal inputs (validation errors name them). */
export const BLOCKS = {
  device: "device_block",
  notifyUser: "notify_block",
} as const;

/** Bot token scopes the app needs, and why. */
export const BOT_SCOPES = {
  commands: "the /reset-passcode command and the lost-device shortcut",
  "chat:write": "status messages, thread replies and direct messages",
  "chat:write.public": "posting the status message in public channels the bot was not invited to",
  "im:write": "opening a direct message to deliver a passcode",
  "users:read": "reading who ran a command",
  "users:read.email": "matching a Slack user to a person in the inventory by email",
} as const;

/** Events the app subscribes to. */
export const BOT_EVENTS = ["app_home_opened"] as const;
