/**
 * Issue 6, item 8: load. 50 concurrent platform clients, each with its own connection, run
 * mixed calls for a bounded time — state save and read-back, publish, a brief subscription
 * that must see its own event, ListServices, InvokeJson to the WorkManager's ListWorkers,
 * request-reply through a real worker, health — with no error at all (client retries are off,
 * so none is hidden). Afterwards no stream and no child process is left beyond the baseline.
 * Then `state.update()` runs as 50 concurrent increments of one key and ends at exactly 50, and
 * clients that vanish mid-stream (their TCP connection cut, no goodbye) leave nothing behind.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SubscribeRequestSchema, SystemEventsRequestSchema } from "../../generated/virtufin/gateway_pb.js";
import { PubsubSubscribeRequestSchema } from "../../generated/virtufin/pubsub_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { ECHO_CODE, JAVASCRIPT, childPids, expectServing, roundTrip, runWorker, startRig, waitFor, type Rig } from "./helpers.js";

const CLIENTS = 50;
const DURATION_MS = 6_000;
const WORKER_TOPIC = "load-echo";

/** A gRPC request frame (uncompressed, length-prefixed) of a message. */
function grpcFrame<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Uint8Array {
  const body = toBinary(schema, create(schema, init));
  const out = new Uint8Array(5 + body.length);
  new DataView(out.buffer).setUint32(1, body.length);
  out.set(body, 5);
  return out;
}

/** One client's mixed workload; each call checks its own answer. Returns the calls made. */
async function workload(api: ApiClient, client: number, deadline: number, workerId: string): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  const count = (what: string) => (done[what] = (done[what] ?? 0) + 1);
  const service = `load-${client}`;
  for (let n = 0; Date.now() < deadline; n++) {
    switch ((client + n) % 7) {
      case 0: {
        const value = JSON.stringify({ client, n });
        await api.state.save(service, "own", value);
        expect((await api.state.get(service, "own")).value).toBe(value);
        count("state save+get");
        break;
      }
      case 1:
        await api.pubsub.publish("load-fanout", { client, n });
        count("publish");
        break;
      case 2: {
        // A brief subscription: live before publishing, sees its own event, then closed.
        const topic = `load-sub-${client}`;
        const abort = new AbortController();
        const events = (await api.pubsub.subscribeReady(topic, { signal: abort.signal, reconnect: false }))[
          Symbol.asyncIterator
        ]();
        await api.pubsub.publish(topic, { client, n });
        const first = await events.next();
        expect(first.done).toBe(false);
        if (!first.done) expect(JSON.parse(new TextDecoder().decode(first.value.data))).toEqual({ client, n });
        await events.return?.();
        abort.abort();
        count("subscribe briefly");
        break;
      }
      case 3:
        expect(await api.listServices()).toContain("workmanager");
        count("ListServices");
        break;
      case 4: {
        const listed = await api.invoke<{ workers?: { id: string }[] }>("workmanager", "ListWorkers", {});
        expect(listed.workers?.map((w) => w.id)).toContain(workerId);
        count("InvokeJson ListWorkers");
        break;
      }
      case 5:
        expect(await roundTrip(api, WORKER_TOPIC, { client, n })).toMatchObject({ echo: { client, n } });
        count("request-reply via worker");
        break;
      default:
        expect(await api.health()).toBe("SERVING");
        count("health");
    }
  }
  return done;
}

describe("50 concurrent clients", () => {
  let rig: Rig;
  let workerId: string;
  let clients: ApiClient[] = [];

  beforeAll(async () => {
    rig = await startRig();
    workerId = await runWorker(rig, ECHO_CODE[JAVASCRIPT]!, JAVASCRIPT, WORKER_TOPIC);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await rig?.close();
  });

  it("run mixed calls without a single error and leave no stream or process behind", async () => {
    const baseline = {
      streams: rig.emulator.activeStreams(),
      subscriptions: rig.emulator.activeSubscriptions(),
      children: childPids(),
    };
    expect(baseline.children.length).toBeGreaterThanOrEqual(1); // the worker's process
    clients = Array.from(
      { length: CLIENTS },
      () => new ApiClient({ host: "127.0.0.1", port: rig.emulator.addresses.gateway.port, retry: false }),
    );

    const deadline = Date.now() + DURATION_MS;
    const results = await Promise.allSettled(clients.map((api, i) => workload(api, i, deadline, workerId)));
    const errors = results.flatMap((r, i) => (r.status === "rejected" ? [`client ${i}: ${String(r.reason)}`] : []));
    expect(errors).toEqual([]);
    const totals: Record<string, number> = {};
    for (const r of results)
      if (r.status === "fulfilled") for (const [k, v] of Object.entries(r.value)) totals[k] = (totals[k] ?? 0) + v;
    const calls = Object.values(totals).reduce((a, b) => a + b, 0);
    // Every kind of call ran, by every client's share, and the load was real.
    expect(Object.keys(totals).sort()).toHaveLength(7);
    expect(calls).toBeGreaterThanOrEqual(CLIENTS * 7);

    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await waitFor(
      () => rig.emulator.activeStreams() === baseline.streams && rig.emulator.activeSubscriptions() === baseline.subscriptions,
      `streams back to ${baseline.streams} (now ${rig.emulator.activeStreams()}) and subscriptions to ${baseline.subscriptions}`,
    );
    expect(childPids()).toEqual(baseline.children);
    await expectServing(rig.emulator);
    console.info(`load: ${calls} calls by ${CLIENTS} clients in ${DURATION_MS} ms`, totals);
  }, 40_000);

  it("counts 50 concurrent update() increments of one key to exactly 50", async () => {
    // The first write of a missing key cannot be conditional on the platform: create it first.
    await rig.api.state.save("load", "counter", "0");
    clients = Array.from(
      { length: CLIENTS },
      () => new ApiClient({ host: "127.0.0.1", port: rig.emulator.addresses.gateway.port, retry: false }),
    );
    const written = await Promise.all(
      clients.map((api) => api.state.update("load", "counter", (current) => String(Number(current) + 1))),
    );
    expect((await rig.api.state.get("load", "counter")).value).toBe("50");
    // Each increment won exactly once: the values written are 1..50, each once.
    expect(written.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: CLIENTS }, (_, i) => i + 1));
  }, 30_000);

  it("forget clients that vanish mid-stream: 10 connections with 11 streams each, cut without a goodbye", async () => {
    const baseline = { streams: rig.emulator.activeStreams(), subscriptions: rig.emulator.activeSubscriptions() };
    const { port, url } = rig.emulator.addresses.gateway;
    const sockets: net.Socket[] = [];
    for (let c = 0; c < 10; c++) {
      const socket = net.connect(port, "127.0.0.1");
      sockets.push(socket);
      const session = http2.connect(url, { createConnection: () => socket });
      session.on("error", () => undefined);
      const open = (path: string, body: Uint8Array) => {
        const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
        stream.on("error", () => undefined);
        stream.on("data", () => undefined);
        stream.end(body);
      };
      for (let i = 0; i < 5; i++)
        open("/virtufin.Pubsub/Subscribe", grpcFrame(PubsubSubscribeRequestSchema, { topic: `vanish-${i}` }));
      for (let i = 0; i < 5; i++)
        open("/virtufin.Gateway/Subscribe", grpcFrame(SubscribeRequestSchema, { topics: [`vanish-${i}`] }));
      open("/virtufin.Gateway/WatchSystemEvents", grpcFrame(SystemEventsRequestSchema, {}));
    }
    await waitFor(() => rig.emulator.activeStreams() === baseline.streams + 110, "110 streams to open");
    for (const socket of sockets) socket.destroy();
    await waitFor(
      () => rig.emulator.activeStreams() === baseline.streams && rig.emulator.activeSubscriptions() === baseline.subscriptions,
      "the vanished clients' streams to be closed",
    );
    // Publishing to their topics now reaches no one and harms nothing.
    for (let i = 0; i < 5; i++) await rig.api.pubsub.publish(`vanish-${i}`, { after: true });
    await expectServing(rig.emulator);
  }, 30_000);

  it("forget browser clients that vanish mid-stream: 20 Connect-JSON subscriptions and 20 gRPC-Web system-event streams over HTTP/1.1", async () => {
    // Each subscription's connect/disconnect is a system event written to every watcher, so the
    // watchers' connections die with writes pending: connect-node then never resumes their
    // handlers, and the streams leaked until the emulator released them on the signal.
    const baseline = { streams: rig.emulator.activeStreams(), subscriptions: rig.emulator.activeSubscriptions() };
    const { url } = rig.emulator.addresses.grpcWeb;
    const requests: http.ClientRequest[] = [];
    const open = (path: string, contentType: string, body: Uint8Array) => {
      const request = http.request(
        `${url}${path}`,
        { method: "POST", agent: false, headers: { "content-type": contentType } },
        (res) => res.resume(),
      );
      request.on("error", () => undefined);
      request.end(body);
      requests.push(request);
    };
    const json = new TextEncoder().encode(JSON.stringify({ topic: "vanish-h1" }));
    const envelope = new Uint8Array(5 + json.length);
    new DataView(envelope.buffer).setUint32(1, json.length);
    envelope.set(json, 5);
    for (let i = 0; i < 20; i++) {
      open("/virtufin.Pubsub/Subscribe", "application/connect+json", envelope);
      open("/virtufin.Gateway/WatchSystemEvents", "application/grpc-web+proto", grpcFrame(SystemEventsRequestSchema, {}));
    }
    await waitFor(() => rig.emulator.activeStreams() === baseline.streams + 40, "40 streams to open");
    for (const request of requests) request.destroy();
    await waitFor(
      () => rig.emulator.activeStreams() === baseline.streams && rig.emulator.activeSubscriptions() === baseline.subscriptions,
      "the vanished browser clients' streams to be released",
    );
    await expectServing(rig.emulator);
  }, 30_000);
});
