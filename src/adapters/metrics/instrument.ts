// Instruments a composed engine from the outside, without touching the core: its push channel
// and passcode senders are wrapped so that each call is counted, and an observer times how long
// requests take to lock and complete.
import type { Engine } from "../../core/engine.ts";
import type { PasscodeSender, PushChannel, TimelineObserver } from "../../core/ports.ts";
import type { Metrics } from "./metrics.ts";

export function instrumentEngine(engine: Engine, metrics: Metrics): void {
  engine.push = countedPush(engine.push, metrics);
  engine.senders = engine.senders.map((s) => countedSender(s, metrics));
  engine.observers = [...engine.observers, timeToLockObserver(engine, metrics)];
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
    async send(device, message) {
      try {
        const result = await push.send(device, message);
        metrics.pushSent(result.ok ? "ok" : result.kind);
        return result;
      } catch (err) {
        metrics.pushSent("exception");
        throw err;
      }
    },
  };
}

function countedSender(sender: PasscodeSender, metrics: Metrics): PasscodeSender {
  // Spread first: a sender's plain fields (channel, surface, repeatsAs…) pass through as they are.
  const counted: PasscodeSender = {
    ...sender,
    reaches: (person) => sender.reaches(person),
    async send(letter, prepared) {
      try {
        const sent = await sender.send(letter, prepared);
        metrics.deliveryAttempt(sender.channel, "sent");
        return sent;
      } catch (err) {
        metrics.deliveryAttempt(sender.channel, "error");
        throw err;
      }
    },
  };
  const { prepare, redact } = sender;
  if (prepare) {
    counted.prepare = async (letter) => {
      try {
        return await prepare.call(sender, letter);
      } catch (err) {
        metrics.deliveryAttempt(sender.channel, "error");
        throw err;
      }
    };
  }
  if (redact) counted.redact = (ref, note) => redact.call(sender, ref, note);
  return counted;
}
