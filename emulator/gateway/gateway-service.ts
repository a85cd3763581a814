/**
 * virtufin.Gateway: backend discovery through reflection, dynamic dispatch, and event streams.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  Gateway,
  GetMethodSchemaResponseSchema,
  InvokeJsonResponseSchema,
  InvokeResponseSchema,
  ListMethodsResponseSchema,
  ListServicesResponseSchema,
  type TopicEventRequest,
} from "@virtufin/sdk/gen/virtufin/gateway_pb";
import type { ServiceContext } from "../services/context.js";
import { DEFAULT_STREAM_BUFFER, EventChannel } from "../services/event-channel.js";
import { invalidArgument } from "../services/status.js";
import type { Backends } from "./backends.js";
import { methodNotFound } from "./method-not-found.js";
import { classify, matches, toTopicEvent, type EventFilter } from "./events.js";
import { invokeBinary, invokeJson } from "./invoke.js";
import { methodInfos, methodSchema } from "@virtufin/sdk/internal";

/** Names under which the Gateway describes itself in ListMethods and GetMethodSchema. */
const SELF_NAMES = new Set(["virtufin.Gateway", "Gateway"]);

/** Options of {@link createGatewayService}. */
export interface GatewayServiceOptions {
  /** Undelivered events a Subscribe stream may hold before it fails (default 10,000). */
  readonly maxBuffer?: number;
}

/** Creates the Gateway implementation over a set of backends. */
export function createGatewayService(
  ctx: ServiceContext,
  backends: Backends,
  options: GatewayServiceOptions = {},
): ServiceImpl<typeof Gateway> {
  const maxBuffer = options.maxBuffer ?? DEFAULT_STREAM_BUFFER;

  const requireService = (service: string) => {
    if (service.trim() === "") throw invalidArgument("service must not be empty");
  };

  const servicesOf = async (service: string) => {
    requireService(service);
    if (SELF_NAMES.has(service)) return [Gateway];
    return (await backends.describe(service)).services;
  };

  /** Streams every event passing the filter until the client leaves or the emulator stops. */
  async function* stream(filter: EventFilter, context: HandlerContext): AsyncGenerator<TopicEventRequest> {
    const channel = new EventChannel<TopicEventRequest>(maxBuffer).endOn(context.signal, ctx.stopping);
    const sub = ctx.pubsub.subscribe("*", (event) => {
      const classified = classify(event);
      if (matches(filter, classified)) channel.push(toTopicEvent(classified));
    });
    // On a shared backend, counted as open only once events reach it.
    if (sub.ready) {
      try {
        await sub.ready;
      } catch (err) {
        sub.close();
        throw err;
      }
    }
    const untrack = ctx.streams?.track();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      sub.close();
      untrack?.();
    };
    // When the client leaves (the channel ends), even if this generator is never resumed.
    channel.onClose(release);
    try {
      yield* channel;
    } finally {
      release();
    }
  }

  return {
    async invoke(req, context) {
      const outcome = await invokeBinary(backends, req.service, req.method, req.requestData, context);
      if (!outcome.success) ctx.log.debug("invoke failed", { service: req.service, method: req.method, status: outcome.status });
      return create(InvokeResponseSchema, {
        success: outcome.success,
        status: outcome.status,
        message: outcome.message,
        responseData: outcome.data ?? new Uint8Array(),
      });
    },

    async invokeJson(req, context) {
      const outcome = await invokeJson(backends, req.service, req.method, req.requestData, context);
      if (!outcome.success)
        ctx.log.debug("invokeJson failed", { service: req.service, method: req.method, status: outcome.status });
      return create(InvokeJsonResponseSchema, {
        success: outcome.success,
        status: outcome.status,
        message: outcome.message,
        responseData: outcome.data ?? "",
      });
    },

    listServices() {
      return create(ListServicesResponseSchema, { services: backends.list().map((b) => b.name) });
    },

    async listMethods(req) {
      return create(ListMethodsResponseSchema, { methods: methodInfos(await servicesOf(req.service)) });
    },

    async getMethodSchema(req) {
      if (req.method.trim() === "") throw invalidArgument("method must not be empty");
      const services = await servicesOf(req.service);
      const method = services.flatMap((s) => s.methods).find((m) => m.name === req.method);
      if (method === undefined) {
        if (!SELF_NAMES.has(req.service)) backends.invalidate(req.service);
        throw methodNotFound(
          req.service,
          req.method,
          services.flatMap((s) => s.methods.map((m) => m.name)),
        );
      }
      return create(GetMethodSchemaResponseSchema, { schema: methodSchema(method, req.type) });
    },

    subscribe(req, context) {
      return stream({ services: req.services, topics: req.topics, eventTypes: req.eventTypes }, context);
    },

    watchSystemEvents(_req, context) {
      return stream({ services: [], topics: [], eventTypes: ["system"] }, context);
    },
  };
}

export { Gateway };
