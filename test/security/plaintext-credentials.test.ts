// Item 11 (client side): the client refuses to send an api key or token over plaintext to a host
// that is not loopback unless the user opts in with `allowInsecureCredentials`. Unit-level: the
// refusal happens at construction, before anything is opened, so no test here needs a network —
// and the diagnostics channel proves that no socket was even created.
import { randomUUID } from "node:crypto";
import dc from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { Connection, type ConnectionOptions } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { installNetworkJail, type NetworkJail } from "./network-jail.js";
import { leaks } from "./secrets.js";

const KEY = `k-plain-${randomUUID()}`;
const TOKEN = `t-plain-${randomUUID()}`;

const sockets: unknown[] = [];
const onSocket = (message: unknown) => void sockets.push(message);
// Should a refusal ever regress into a real call, the jail stops it before any packet or DNS query.
let jail: NetworkJail;
beforeAll(() => {
  jail = installNetworkJail();
  dc.subscribe("net.client.socket", onSocket);
});
afterAll(() => {
  dc.unsubscribe("net.client.socket", onSocket);
  jail.uninstall();
});

// Hosts that are NOT loopback, including look-alikes: *.localhost goes to the DNS server on
// common resolvers, and a name that merely starts with 127 or localhost is any host at all.
const REMOTE = [
  "api.example.com",
  "10.1.2.3",
  "192.168.1.10",
  "172.16.5.4",
  "169.254.169.254",
  "0.0.0.0",
  "8.8.8.8",
  "evil.localhost",
  "localhost.evil.example",
  "127.0.0.1.nip.io",
  "[2001:db8::1]",
  "[::ffff:127.0.0.1]",
];
const CREDENTIALS: readonly (Partial<ConnectionOptions> & { label: string })[] = [
  { label: "apiKey", apiKey: KEY },
  { label: "token", token: TOKEN },
  { label: "apiKey and token", apiKey: KEY, token: TOKEN },
  { label: "x-api-key header", headers: { "x-api-key": KEY } },
  { label: "authorization header", headers: { authorization: `Bearer ${TOKEN}` } },
];
/** Every way a user builds a client: a Connection, a generated client, the platform client. */
const MAKERS: Record<string, (options: ConnectionOptions) => unknown> = {
  Connection: (options) => new Connection(options, { port: 5002 }),
  StateClient: (options) => new StateClient(options),
  WorkManagerClient: (options) => new WorkManagerClient(options),
  ApiClient: (options) => new ApiClient(options),
};

function thrownBy(make: () => unknown): unknown {
  try {
    const made = make() as { close?: () => Promise<void> };
    void made.close?.();
    return undefined;
  } catch (error) {
    return error;
  }
}

let refusals = 0;
let allowed = 0;

describe.each(Object.entries(MAKERS))("%s", (_name, make) => {
  it(`refuses every kind of credential over plaintext to ${REMOTE.length} non-loopback hosts, by host or baseUrl`, () => {
    for (const host of REMOTE) {
      for (const { label, ...credentials } of CREDENTIALS) {
        for (const target of [{ host: host.replace(/^\[|\]$/g, ""), port: 5002 }, { baseUrl: `http://${host}:5002` }]) {
          const error = thrownBy(() => make({ ...target, ...credentials }));
          expect(error, `${host} ${label}`).toBeInstanceOf(VirtufinError);
          expect((error as VirtufinError).code).toBe(Code.InvalidArgument);
          expect((error as VirtufinError).rawMessage).toMatch(
            /refusing to send credentials over plaintext to .*use tls, or set allowInsecureCredentials/,
          );
          expect(leaks(error, [KEY, TOKEN])).toEqual([]);
          refusals++;
        }
      }
    }
  });

  it("allows them with tls, to loopback, or with the explicit opt-in; and plaintext without credentials", () => {
    for (const { label, ...credentials } of CREDENTIALS) {
      const cases: ConnectionOptions[] = [
        { host: "api.example.com", port: 443, tls: true },
        { baseUrl: "https://10.1.2.3:8443" },
        { host: "localhost", port: 5002 },
        { host: "127.0.0.1", port: 5002 },
        { host: "127.200.1.1", port: 5002 },
        { host: "::1", port: 5002 },
        { host: "api.example.com", port: 5002, allowInsecureCredentials: true },
      ];
      for (const options of cases) {
        expect(
          thrownBy(() => make({ ...options, ...credentials })),
          `${JSON.stringify(options)} ${label}`,
        ).toBeUndefined();
        allowed++;
      }
    }
    expect(thrownBy(() => make({ host: "api.example.com", port: 5002 }))).toBeUndefined();
  });
});

describe("no contact", () => {
  it("tls settings with an http: baseUrl are refused rather than silently sent in plaintext", () => {
    const error = thrownBy(
      () => new Connection({ baseUrl: "http://api.example.com:5002", tls: { servername: "api.example.com" }, apiKey: KEY }),
    );
    expect((error as VirtufinError).code).toBe(Code.InvalidArgument);
    expect((error as VirtufinError).rawMessage).toMatch(/tls is set but baseUrl is http:/);
  });

  it("credentials given per call, or added by an interceptor, are refused before anything is sent", async () => {
    const perCall: Record<string, string>[] = [{ "x-api-key": KEY }, { authorization: `Bearer ${TOKEN}` }];
    for (const host of ["api.example.com", "10.1.2.3"]) {
      for (const protocol of ["grpc", "connect", "grpc-web"] as const) {
        await using state = new StateClient({ host, port: 5002, protocol, retry: false, timeoutMs: 2_000 });
        for (const headers of perCall) {
          const error = await state.getState("svc", "k", { headers }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `${host} ${protocol}`).toBeInstanceOf(VirtufinError);
          expect([Code[(error as VirtufinError).code], (error as VirtufinError).rawMessage]).toEqual([
            "InvalidArgument",
            expect.stringMatching(/refusing to send credentials over plaintext/),
          ]);
          expect(leaks(error, [KEY, TOKEN])).toEqual([]);
          refusals++;
        }
        await using sneaky = new StateClient({
          host,
          port: 5002,
          protocol,
          retry: false,
          timeoutMs: 2_000,
          interceptors: [(next) => (req) => (req.header.set("x-api-key", KEY), next(req))],
        });
        const error = await sneaky.getState("svc", "k").then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as VirtufinError).code).toBe(Code.InvalidArgument);
        refusals++;
      }
    }
  });

  it("nothing above opened a socket (constructions are lazy, refusals immediate)", () => {
    expect(jail.violations).toEqual([]);
    expect(refusals).toBe(Object.keys(MAKERS).length * REMOTE.length * CREDENTIALS.length * 2 + 2 * 3 * 3);
    expect(sockets).toEqual([]);
    console.log(`plaintext credentials: ${refusals} constructions refused, ${allowed} allowed, ${sockets.length} sockets opened`);
  });
});
