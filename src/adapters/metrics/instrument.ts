// Instruments a composed engine from the outside, without touching the core: its push channel,
// passcode senders, chat timelines and observers are wrapped so that each call is counted and
// runs with the reset request's id in the log context (every log line written while working for
// a request, in any process and in any SDK under it, carries `requestId`).
import type { Engine } from "../../core/engine.ts";
import type { ChatTimeline, PasscodeSender, PushChannel, TimelineObserver } from "../../core/ports.ts";
import { withLogFields } from "../log/log-context.ts";
import type { Metrics } from "./metrics.ts";

export function instrumentEngine(engine: Engine, metrics: Metrics): void {
  engine.push = countedPush(engine.push, metrics);
  engine.senders = engine.senders.map((s) => countedSender(s, metrics));
  engine.timelines = engine.timelines.map(requestScopedTimeline);
  engine.observers = [...engine.observers.map(requestScopedObserver), timeToLockObserver(engine, metrics)];
}

/** Observes how long requests took to reach `locked` and `completed`. */
export function timeToLockObserver(engine: Engine, metrics: Metrics): TimelineObserver {
  return {
    onEvent(request, event) {
      if (event.type !== "locked" && event.type !== "completed") return;
      const seconds = (engine.clock.now().getTime() - request.createdAt.getTime()) / 1000;
      metrics.requestReached(event.type, seconds);
    },
  };
}

function countedPush(push: PushChannel, metrics: Metrics): PushChannel {
  return {
    send: (device, message) =>
      withLogFields({ requestId: message.requestId }, async () => {
        try {
          const result = await push.send(device, message);
          metrics.pushSent(result.ok ? "ok" : result.kind);
          return result;
        } catch (err) {
          metrics.pushSent("exception");
          throw err;
        }
      }),
  };
}

function countedSender(sender: PasscodeSender, metrics: Metrics): PasscodeSender {
  // Spread first: a sender's plain fields (channel, surface, repeatsAs…) pass through as they are.
  const counted: PasscodeSender = {
    ...sender,
    reaches: (person) => sender.reaches(person),
    send: (letter, prepared) =>
      withLogFields({ requestId: letter.request.id }, async () => {
        try {
          const sent = await sender.send(letter, prepared);
          metrics.deliveryAttempt(sender.channel, "sent");
          return sent;
        } catch (err) {
          metrics.deliveryAttempt(sender.channel, "error");
          throw err;
        }
      }),
  };
  const { prepare, redact } = sender;
  if (prepare) {
    counted.prepare = (letter) =>
      withLogFields({ requestId: letter.request.id }, async () => {
        try {
          return await prepare.call(sender, letter);
        } catch (err) {
          metrics.deliveryAttempt(sender.channel, "error");
          throw err;
        }
      });
  }
  if (redact) counted.redact = (ref, note) => redact.call(sender, ref, note);
  return counted;
}

function requestScopedTimeline(timeline: ChatTimeline): ChatTimeline {
  return {
    surface: timeline.surface,
    postStatus: (view) => withLogFields({ requestId: view.request.id }, () => timeline.postStatus(view)),
    updateStatus: (view) => withLogFields({ requestId: view.request.id }, () => timeline.updateStatus(view)),
    postMilestones: (view, events) =>
      withLogFields({ requestId: view.request.id }, () => timeline.postMilestones(view, events)),
  };
}

function requestScopedObserver(observer: TimelineObserver): TimelineObserver {
  return {
    onEvent: (request, event) =>
      withLogFields({ requestId: request.id }, () => observer.onEvent(request, event)),
  };
}
