/**
 * The interop server (interop-server.ts) in a child process of its own, so that a test can kill
 * it outright (SIGKILL: no GOAWAY, no RST_STREAM, the socket simply dies). Prints its URL on one
 * line of stdout, then serves until killed.
 */
import { startInteropServer } from "./interop-server.js";

const server = await startInteropServer();
process.stdout.write(`${server.url}\n`);
