/**
 * Every naming rule of the generated code: method names, parameter names, class names.
 *
 * Renaming always appends "_" (repeated until the name is free), so a renamed member is easy to
 * guess from the proto: an RPC `Then` becomes `then_`, a field `default` becomes `default_`.
 */
import { protoCamelCase } from "@bufbuild/protobuf/reflect";

/**
 * Names a client method must not take. `then` would make the client thenable (an `await` on it
 * would call the RPC); the others are Object.prototype members, `toJSON` (JSON.stringify calls
 * it) and the helpers every client has.
 */
const RESERVED_MEMBERS: ReadonlySet<string> = new Set([
  "then",
  "constructor",
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
  "toJSON",
  // helpers of the generated client
  "close",
]);

/**
 * Words that cannot name a parameter in strict-mode TypeScript, plus `options`, the name of the
 * trailing CallOptions parameter of every signature.
 */
const RESERVED_PARAMS: ReadonlySet<string> = new Set([
  // ECMAScript keywords and strict-mode reserved words
  ...["break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do"],
  ...["else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import"],
  ...["in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true"],
  ...["try", "typeof", "var", "void", "while", "with", "yield", "await", "let", "static"],
  ...["implements", "interface", "package", "private", "protected", "public", "arguments", "eval"],
  // TypeScript: `this` parameters and type-only keywords are fine as names, but `undefined`
  // and `NaN`/`Infinity` would shadow globals the reader relies on.
  ...["undefined", "NaN", "Infinity"],
  // the trailing call options parameter
  "options",
]);

/** Appends "_" until `name` is neither in `reserved` nor in `taken`. */
function free(name: string, reserved: ReadonlySet<string>, taken: ReadonlySet<string>): string {
  let n = name;
  for (let i = 0; i < 1000 && (reserved.has(n) || taken.has(n)); i++) {
    n += "_";
  }
  return n;
}

/** lowerCamel form of a proto name: `GetWorkerHistory` and `get_worker_history` give `getWorkerHistory`. */
export function lowerCamel(protoName: string): string {
  const camel = protoCamelCase(protoName);
  if (camel.length === 0) {
    return "rpc";
  }
  return camel[0]!.toLowerCase() + camel.substring(1);
}

/**
 * Creates the namer of one service's methods. Names are decided in proto order, so the same
 * proto always gives the same names.
 */
export function createMethodNamer(): (rpcName: string) => string {
  const taken = new Set<string>();
  return (rpcName) => {
    const name = free(lowerCamel(rpcName), RESERVED_MEMBERS, taken);
    taken.add(name);
    return name;
  };
}

/** Creates the namer of one signature's parameters (unique, never a reserved word or `options`). */
export function createParamNamer(): (fieldName: string) => string {
  const taken = new Set<string>();
  return (fieldName) => {
    const name = free(protoCamelCase(fieldName) || "value", RESERVED_PARAMS, taken);
    taken.add(name);
    return name;
  };
}

/**
 * Creates the namer of a file's exported declarations (`<Service>Api`, `<Service>Client`): two
 * services of one file can never produce the same export.
 */
export function createExportNamer(): (base: string) => string {
  const taken = new Set<string>();
  return (base) => {
    const name = free(base, new Set(["Object", "globalThis"]), taken);
    taken.add(name);
    return name;
  };
}
