/** Entry point of the compiled plugin: reads a CodeGeneratorRequest on stdin, writes the response. */
import { protocGenVirtufinTs } from "./index.js";
import { runNode } from "./startup/run-node.js";

runNode(protocGenVirtufinTs);
