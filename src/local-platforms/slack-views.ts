// Slack's modals and Home tabs: trigger ids (one use each, 3 s), the stack of at most 3 modals a
// trigger opens and pushes onto, view hashes, the view limits, and what Slack does with a
// view_submission's `response_action` (push, update, errors, clear) or a closed modal.
import { type Args, fail, type Reply, str } from "./slack-args.ts";
import { viewProblems } from "./slack-limits.ts";

export type SlackView = Record<string, unknown> & {
  id: string;
  hash: string;
  type: string;
  callback_id: string;
  private_metadata: string;
  external_id: string;
  root_view_id: string | null;
  previous_view_id: string | null;
  blocks: unknown[];
};

/** Who a trigger id was issued for: the person who acted, and the view they acted in. */
export interface TriggerFor {
  user?: string;
  viewId?: string;
}

/** What a view_submission's answer asks of Slack (`response_action`), or the person's own move. */
export type ModalMove = "push" | "update" | "errors" | "clear" | "pop" | "submitted";

const MAX_STACK = 3;
const TRIGGER_SWEEP_MS = 60_000;

export function createSlackViews(ctx: {
  teamId: string;
  botId: string;
  next: () => number;
  triggerTtlMs: number;
  /** Exchange trigger ids this Slack never issued (payloads a test built itself) as fresh ones. */
  acceptUnissuedTriggers: boolean;
  isUser: (id: string) => boolean;
}) {
  const views = new Map<string, SlackView>();
  const homeViews = new Map<string, string>();
  const stacks = new Map<string, string[]>();
  /** Each person's open modal stack, by its root view id. */
  const openBy = new Map<string, string>();
  const triggers = new Map<string, TriggerFor & { issuedAt: number }>();
  const usedTriggers = new Set<string>();
  let lastRootViewId: string | undefined;
  const newViewId = () => `V${String(ctx.next()).padStart(8, "0")}`;

  /** Exchanges a trigger id, or says why Slack would refuse it. */
  function takeTrigger(args: Args): { error: Reply } | TriggerFor {
    const id = str(args.trigger_id) ?? str(args.interactivity_pointer);
    if (!id) return { error: fail("invalid_arguments", ["[ERROR] missing required field: trigger_id"]) };
    if (usedTriggers.has(id)) return { error: fail("exchanged_trigger_id") };
    const issued = triggers.get(id);
    if (!issued && !ctx.acceptUnissuedTriggers) return { error: fail("invalid_trigger_id") };
    if (issued && Date.now() - issued.issuedAt > ctx.triggerTtlMs)
      return { error: fail("expired_trigger_id") };
    usedTriggers.add(id);
    return {
      ...(issued?.user ? { user: issued.user } : {}),
      ...(issued?.viewId ? { viewId: issued.viewId } : {}),
    };
  }

  function store(view: Args, id: string, root: string | null, previous: string | null): SlackView {
    const stored: SlackView = {
      ...view,
      id,
      team_id: ctx.teamId,
      app_id: "A0LATCHKEY",
      bot_id: ctx.botId,
      type: str(view.type) ?? "modal",
      callback_id: str(view.callback_id) ?? "",
      private_metadata: str(view.private_metadata) ?? "",
      external_id: str(view.external_id) ?? "",
      blocks: Array.isArray(view.blocks) ? view.blocks : [],
      state: { values: {} },
      hash: `${Date.now()}.h${ctx.next()}`,
      root_view_id: root,
      previous_view_id: previous,
    };
    views.set(id, stored);
    return stored;
  }

  function push(root: string, view: Args): Reply {
    const stack = stacks.get(root);
    if (!stack) return fail("not_found");
    if (stack.length >= MAX_STACK) return fail("push_limit_reached");
    const id = newViewId();
    const previous = stack.at(-1) ?? null;
    stack.push(id);
    return { ok: true, view: store(view, id, root, previous) };
  }

  const methods: Record<string, (args: Args) => Reply> = {
    "views.open": (args) => {
      const problems = viewProblems(args.view);
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const trigger = takeTrigger(args);
      if ("error" in trigger) return trigger.error;
      const id = newViewId();
      stacks.set(id, [id]);
      lastRootViewId = id;
      if (trigger.user) {
        stacks.delete(openBy.get(trigger.user) ?? "");
        openBy.set(trigger.user, id);
      }
      return { ok: true, view: store(args.view as Args, id, id, null) };
    },
    "views.push": (args) => {
      const problems = viewProblems(args.view);
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const trigger = takeTrigger(args);
      if ("error" in trigger) return trigger.error;
      const from = trigger.viewId ? views.get(trigger.viewId) : undefined;
      const root =
        from?.root_view_id ?? (trigger.user ? openBy.get(trigger.user) : undefined) ?? lastRootViewId;
      return root ? push(root, args.view as Args) : fail("not_found");
    },
    "views.update": (args) => {
      const externalId = str(args.external_id);
      const current = str(args.view_id)
        ? views.get(str(args.view_id) ?? "")
        : [...views.values()].find((v) => externalId && v.external_id === externalId);
      if (!current) return fail("not_found");
      const problems = viewProblems(args.view, current.type === "home" ? "home" : "modal");
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const hash = str(args.hash);
      if (hash && hash !== current.hash) return fail("hash_conflict");
      const view = { external_id: current.external_id, ...(args.view as Args) };
      return { ok: true, view: store(view, current.id, current.root_view_id, current.previous_view_id) };
    },
    "views.publish": (args) => {
      const userId = str(args.user_id);
      if (!userId || !ctx.isUser(userId)) return fail("user_not_found");
      const problems = viewProblems(args.view, "home");
      if (problems.length > 0) return fail("invalid_arguments", problems);
      const currentId = homeViews.get(userId);
      const hash = str(args.hash);
      if (hash && currentId && hash !== views.get(currentId)?.hash) return fail("hash_conflict");
      const id = currentId ?? newViewId();
      homeViews.set(userId, id);
      return { ok: true, view: store(args.view as Args, id, null, null) };
    },
  };

  /** The views of `user`'s open modal stack, bottom first. */
  function stackOf(user: string): SlackView[] {
    const ids = stacks.get(openBy.get(user) ?? "") ?? [];
    return ids.flatMap((id) => views.get(id) ?? []);
  }

  return {
    views,
    methods,
    stackOf,
    /** Everyone's open modal stacks, by user id. */
    modals: () => Object.fromEntries([...openBy.keys()].map((user) => [user, stackOf(user)])),
    homeView: (userId: string) => views.get(homeViews.get(userId) ?? ""),
    /** A trigger id as Slack puts in an interaction by `for.user`, in the view `for.viewId`. */
    issueTrigger(forWhom: TriggerFor = {}): string {
      const now = Date.now();
      // Long expired ids are forgotten, unless a forgotten id would come back as an unissued fresh one.
      if (!ctx.acceptUnissuedTriggers) {
        for (const [id, t] of triggers) if (now - t.issuedAt > TRIGGER_SWEEP_MS) triggers.delete(id);
      }
      const n = ctx.next();
      const id = `${n}.${now}.${n.toString(16).padStart(8, "0")}`;
      triggers.set(id, { issuedAt: now, ...forWhom });
      return id;
    },
    /** What Slack does with `user`'s open modals given a submission's answer (or a close). */
    move(user: string, op: ModalMove, view?: Args, errors?: unknown): void {
      const root = openBy.get(user);
      const stack = root ? stacks.get(root) : undefined;
      const top = stack?.at(-1);
      const current = top ? views.get(top) : undefined;
      if (op === "push" && view && root && viewProblems(view).length === 0) push(root, view);
      else if (op === "update" && view && current && viewProblems(view).length === 0)
        store(view, current.id, current.root_view_id, current.previous_view_id);
      else if (op === "errors" && current) current.errors = errors;
      else if (op === "submitted" && current) delete current.errors;
      else if (op === "pop" && stack) stack.pop();
      if ((op === "clear" || stack?.length === 0) && root) {
        openBy.delete(user);
        stacks.delete(root);
      }
    },
    reset(): void {
      for (const m of [views, homeViews, stacks, openBy, triggers]) m.clear();
      usedTriggers.clear();
      lastRootViewId = undefined;
    },
  };
}

export type SlackViews = ReturnType<typeof createSlackViews>;
