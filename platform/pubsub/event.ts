/**
 * An event delivered by a subscription, with the CloudEvent attributes at hand.
 */
import { dataJson, dataText } from "../event-data.js";

/** The parts of an event as they arrive (a Pubsub.Subscribe response). */
export interface PubsubEventInit {
  /** Topic the event was published on. */
  readonly topic: string;
  /** Payload bytes. */
  readonly data: Uint8Array;
  /** CloudEvent attributes (`ce-*`) and extensions (`correlationid`, ...). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Unique id of the event. */
  readonly messageId: string;
  /** When it was published (RFC 3339). */
  readonly timestamp: string;
}

/** One pub/sub event (seed: PubsubEvent), with typed accessors for its CloudEvent attributes. */
export class PubsubEvent {
  // Public fields are `declare`d: the constructor assigns every one, so no field list need be
  // emitted (smaller browser bundles; bench/bundle).
  /** Topic the event was published on. */
  declare readonly topic: string;
  /** Raw payload bytes. */
  declare readonly data: Uint8Array;
  /** CloudEvent attributes (`ce-*`) and extensions without prefix (`correlationid`, ...). */
  declare readonly metadata: Readonly<Record<string, string>>;
  /** Unique id of the event (the CloudEvent id). */
  declare readonly messageId: string;
  /** When it was published (RFC 3339). */
  declare readonly timestamp: string;

  /** Wraps a received event. */
  constructor(init: PubsubEventInit) {
    this.topic = init.topic;
    this.data = init.data;
    this.metadata = init.metadata;
    this.messageId = init.messageId || init.metadata["ce-id"] || "";
    this.timestamp = init.timestamp || init.metadata["ce-time"] || "";
  }

  /** The `correlationid` extension, if any (`ce-correlationid` is accepted too). */
  get correlationId(): string | undefined {
    return this.metadata["correlationid"] || this.metadata["ce-correlationid"] || undefined;
  }

  /** The `replytopic` extension, if any: where a responder should publish its answer. */
  get replyTopic(): string | undefined {
    return this.metadata["replytopic"] || this.metadata["ce-replytopic"] || undefined;
  }

  /** The CloudEvent `type`, if any. */
  get type(): string | undefined {
    return this.metadata["ce-type"] || undefined;
  }

  /** The CloudEvent `source`, if any. */
  get source(): string | undefined {
    return this.metadata["ce-source"] || undefined;
  }

  /** The payload's content type (`ce-datacontenttype`), if any. */
  get contentType(): string | undefined {
    return this.metadata["ce-datacontenttype"] || undefined;
  }

  /** The payload decoded as UTF-8 text. */
  dataAsText(): string {
    return dataText(this.data);
  }

  /**
   * The payload parsed as JSON. The type parameter is not checked at run time; invalid JSON is a
   * VirtufinError (INVALID_ARGUMENT) that says which event it was.
   */
  dataAsJson<T = unknown>(): T {
    return dataJson<T>(this.data, this.messageId, this.topic);
  }

  /** A plain-object view for logging and `JSON.stringify` (payload as text). */
  toJSON(): Record<string, unknown> {
    return {
      topic: this.topic,
      messageId: this.messageId,
      timestamp: this.timestamp,
      metadata: this.metadata,
      data: this.dataAsText(),
    };
  }
}
