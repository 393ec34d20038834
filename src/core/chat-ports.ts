// What the core needs from chat platforms and from the store of chat threads and contacts.
// Slack and Teams adapters implement ChatTimeline; the database adapter implements the stores.
import type {
  ChatSurface,
  ChatThread,
  Device,
  Person,
  RequestState,
  ResetRequest,
  TimelineEvent,
} from "./types.ts";

/** How to reach a chat user privately (a Teams conversation reference), opaque to the core. */
export interface ChatContact {
  chatUserId: string;
  email: string | null;
  reference: string;
}

export interface ChatContacts {
  save(surface: ChatSurface, contact: ChatContact): Promise<void>;
  get(surface: ChatSurface, chatUserId: string): Promise<ChatContact | null>;
  /** The most recently seen contact of a person on that surface. */
  byEmail(surface: ChatSurface, email: string): Promise<ChatContact | null>;
}

export interface ThreadStore {
  forRequest(requestId: string): Promise<ChatThread[]>;
  get(id: string): Promise<ChatThread | null>;
  /** Something is not shown yet: a state its status message lacks, or an event after its cursor. */
  behind(id: string): Promise<boolean>;
  /** Threads still following a request (oldest first): the sweep resumes them after a restart. */
  open(limit: number, surfaces: ChatSurface[]): Promise<ChatThread[]>;
  /** Takes the thread's lease: true for the one worker (in any process) that may update it until `until`. */
  claim(id: string, owner: string, now: Date, until: Date): Promise<boolean>;
  /** Extends a lease still held by `owner`; false when it was lost (expired and taken). */
  renew(id: string, owner: string, until: Date): Promise<boolean>;
  release(id: string, owner: string): Promise<void>;
  /** Records the posted status message and the state it shows; false when another worker already did. */
  setRoot(id: string, messageId: string, conversation: string, shownState: RequestState): Promise<boolean>;
  /** Moves the milestone cursor (compare-and-set on it). */
  advance(id: string, fromEventId: number, toEventId: number): Promise<boolean>;
  /** Records the state the status message shows now, and whether the thread still follows the request. */
  shown(id: string, state: RequestState, open: boolean): Promise<void>;
  close(id: string): Promise<void>;
}

/** What a chat thread shows: the request as it is now, and the events not shown yet. */
export interface ThreadView {
  thread: ChatThread;
  request: ResetRequest;
  device: Device | null;
  owner: Person | null;
  requester: Person | null;
  /** The request can still be cancelled (a Cancel button makes sense). */
  cancellable: boolean;
  /** Said where Cancel would be, when the device's back-end cannot take the command back (Intune). */
  noCancel?: string | null;
  /** The requester's and the device owner's user ids on this thread's chat platform, when known. */
  requesterChatId?: string | null;
  ownerChatId?: string | null;
}

/** One chat platform's way of showing a request: a status message kept up to date, milestones in its thread. */
export interface ChatTimeline {
  surface: ChatSurface;
  /** Posts the status message; returns where it landed (the conversation may be resolved, e.g. a DM). */
  postStatus(view: ThreadView): Promise<{ messageId: string; conversation: string }>;
  updateStatus(view: ThreadView & { thread: ChatThread & { messageId: string } }): Promise<void>;
  postMilestones(
    view: ThreadView & { thread: ChatThread & { messageId: string } },
    events: TimelineEvent[],
  ): Promise<void>;
}
