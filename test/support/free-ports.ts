/**
 * Free loopback ports for servers that must listen on a port known in advance (a process
 * restarted on the same ports, a page that expects its server where it was).
 */
import { createServer, type AddressInfo, type Server } from "node:net";

/**
 * Free loopback ports, found by binding throwaway servers on port 0 (all at once, so the ports
 * differ) and closing them again. Another process could take one in between; tests that need a
 * fixed port accept that small race.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** One free loopback port (see freePorts). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
