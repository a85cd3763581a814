/**
 * The custom-service example (examples/custom-service/, see its README.md): a user's own proto
 * with its own buf.gen.yaml, called directly, through the typed gateway proxy, dynamically, and
 * over pub/sub with a TypeScript responder and a Python worker.
 *
 *   npx tsx examples/custom-service.ts
 */
import { main } from "./custom-service/main.js";
import { run } from "./support.js";

run(main);
