/**
 * An event of a Gateway-wide subscription (`Gateway.Subscribe`, `WatchSystemEvents`).
 */
import type { TopicEventRequest } from "../../generated/virtufin/gateway_pb.js";
import { dataJson, dataText } from "../event-data.js";

/** One platform event: a state change, a pub/sub event or a system event. */
export class GatewayEvent {
  // Public fields are `declare`d: the constructor assigns every one, so no field list need be
  // emitted (smaller browser bundles; bench/bundle).
  /** The CloudEvent id. */
  declare readonly id: string;
  /** The CloudEvent source. */
  declare readonly source: string;
  /** The CloudEvent type. */
  declare readonly type: string;
  /** The topic it was published on. */
  declare readonly topic: string;
  /** The payload. */
  declare readonly data: Uint8Array;
  /** The payload's content type. */
  declare readonly contentType: string;
  /** The event type of the scope that matched: "state", "pubsub" or "system". */
  declare readonly eventType: string;

  /** Wraps a received envelope. */
  constructor(message: TopicEventRequest) {
    this.id = message.id;
    this.source = message.source;
    this.type = message.type;
    this.topic = message.topic;
    this.data = message.data;
    this.contentType = message.dataContentType;
    this.eventType = message.path;
  }

  /** The payload decoded as UTF-8 text. */
  dataAsText(): string {
    return dataText(this.data);
  }

  /** The payload parsed as JSON (a VirtufinError INVALID_ARGUMENT if it is not JSON). */
  dataAsJson<T = unknown>(): T {
    return dataJson<T>(this.data, this.id, this.topic);
  }
}
