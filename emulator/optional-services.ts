/**
 * Loading the WorkManager and WebSocketManager factories. They live in their own folders and
 * are loaded by path at start-up, so a checkout where one of them is absent still starts (that
 * service then answers UNIMPLEMENTED, with a warning at start-up).
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { WebSocketManager } from "../generated/virtufin/websocketmanager_pb.js";
import type { WorkManager } from "../generated/virtufin/workmanager_pb.js";
import type { PubsubBackend, StateBackend } from "./backend/index.js";
import type { Logger } from "./logger.js";

/** What a WorkManager/WebSocketManager factory receives. */
export interface ManagerDeps {
  /** Pub/sub. */
  readonly pubsub: PubsubBackend;
  /** State. */
  readonly state: StateBackend;
  /** The service's logger. */
  readonly log: Logger;
}

/** A created service: its implementation and its shutdown. */
export interface ManagedService<Impl> {
  /** The implementation to serve. */
  readonly impl: Impl;
  /** Stops the service and its children. */
  close(): Promise<void>;
}

type Factory<Impl> = (deps: ManagerDeps, options?: never) => ManagedService<Impl>;

async function load<Impl>(folder: string, exportName: string, log: Logger): Promise<Factory<Impl> | undefined> {
  // A computed specifier keeps the type checker from requiring the module at compile time.
  const specifier = `./${folder}/index.js`;
  try {
    const mod = (await import(specifier)) as Record<string, unknown>;
    const factory = mod[exportName];
    if (typeof factory === "function") return factory as Factory<Impl>;
    log.warn(`${folder} does not export ${exportName}; its service answers UNIMPLEMENTED`);
  } catch (err) {
    log.warn(`${folder} is not available; its service answers UNIMPLEMENTED`, { error: err instanceof Error ? err.message : String(err) });
  }
  return undefined;
}

/** Creates the WorkManager service, or an empty (UNIMPLEMENTED) one when it is not available. */
export async function createWorkManager(deps: ManagerDeps, options: unknown): Promise<ManagedService<Partial<ServiceImpl<typeof WorkManager>>>> {
  const factory = await load<ServiceImpl<typeof WorkManager>>("workmanager", "createWorkManagerService", deps.log);
  return factory ? factory(deps, options as never) : { impl: {}, close: async () => {} };
}

/** Creates the WebSocketManager service, or an empty (UNIMPLEMENTED) one when it is not available. */
export async function createWebSocketManager(deps: ManagerDeps, options: unknown): Promise<ManagedService<Partial<ServiceImpl<typeof WebSocketManager>>>> {
  const factory = await load<ServiceImpl<typeof WebSocketManager>>("websocketmanager", "createWebSocketManagerService", deps.log);
  return factory ? factory(deps, options as never) : { impl: {}, close: async () => {} };
}
