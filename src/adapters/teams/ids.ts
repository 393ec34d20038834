// Every identifier Teams and Latchkey share: the manifest (manifests/teams/manifest.json) and the
// handlers both use these, and a test checks the manifest against them.

/** The message extension's action command ("Reset passcode", compose box and message "..." menu). */
export const RESET_COMMAND_ID = "resetPasscode";

/** Verbs of card buttons (Action.Execute in chat; `data.verb` of Action.Submit in the dialog). */
export const VERBS = {
  resetForm: "reset.form",
  resetConfirm: "reset.confirm",
  resetStart: "reset.start",
  lostConfirm: "lost.confirm",
  lostStart: "lost.start",
  cancelRequest: "request.cancel",
  refreshRequest: "request.refresh",
  /** The status card's Details: an Action.Submit that opens a dialog (task/fetch). */
  requestDetails: "request.details",
} as const;

/** Personal chat commands, as the manifest's command list suggests them. */
export const CHAT_COMMANDS = [
  {
    title: "reset passcode",
    description: "reset passcode alice@example.com: reset and lock one of Alice's devices",
  },
  { title: "status", description: "The latest requests (status rq_… for one)" },
  { title: "cancel", description: "cancel rq_…: withdraw a request the device has not picked up" },
  { title: "I lost my device", description: "Lock one of your own devices now and alert security" },
  { title: "my devices", description: "Your devices, their state, and Report lost" },
  { title: "help", description: "What Latchkey can do" },
] as const;
