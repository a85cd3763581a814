/** Entry point of the compiled plugin: reads a CodeGeneratorRequest on stdin, writes the response. */
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenVirtufinTs } from "./index.js";

runNodeJs(protocGenVirtufinTs);
