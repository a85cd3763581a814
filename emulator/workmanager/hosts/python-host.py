"""Host process of one Python worker of the Virtufin emulator's WorkManager.

The emulator starts it as ``python3 -I -u python-host.py <memory-limit-mib>`` with a scrubbed
environment, then drives it over file descriptor 3 (a socket, both directions) with
line-delimited JSON, one object per line:

    host -> emulator   {"op": "ready"}                                     once, at start
    emulator -> host   {"op": "load", "code": "<python source>"}
    host -> emulator   {"op": "loaded"}  or  {"op": "loaded", "error": {...}}
    emulator -> host   {"op": "process", "id": 7, "event": {...}}
    host -> emulator   {"op": "result", "id": 7, "result": <JSON or null>}
                       or {"op": "result", "id": 7, "error": {"type": ..., "message": ...}}

The user's code never sees descriptor 3: its prints go to stdout and stderr, which the emulator
logs, so nothing a worker prints can corrupt the protocol. The per-message time limit is
enforced by the emulator (it kills this process); the memory limit is set here with RLIMIT_AS.
"""

import asyncio
import inspect
import json
import os
import resource
import sys
import traceback

CHANNEL_FD = 3


def limit_memory(mib):
    """Caps the address space, so a runaway worker gets MemoryError instead of eating the host."""
    if mib <= 0:
        return
    limit = mib * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError) as exc:
        print(f"virtufin worker host: could not set the memory limit: {exc}", file=sys.stderr)


def describe(exc):
    """The error record sent to the emulator (the traceback is trimmed to keep lines small)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"type": type(exc).__name__, "message": str(exc) or type(exc).__name__, "traceback": text[-4000:]}


def load(code):
    """Runs the user's module code in a fresh namespace and returns its Process function."""
    namespace = {"__name__": "__worker__", "__file__": "<worker>", "__builtins__": __builtins__}
    exec(compile(code, "<worker>", "exec"), namespace)
    process = namespace.get("Process")
    if not callable(process):
        raise TypeError("the worker code defines no Process(event) function")
    return process


async def _wait(awaitable):
    return await awaitable


def call(process, event):
    """Calls Process; an async def Process is run to completion."""
    result = process(event)
    if inspect.isawaitable(result):
        result = asyncio.run(_wait(result))
    return result


def main():
    limit_memory(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    # libuv hands extra descriptors over non-blocking; the loop below wants blocking reads.
    os.set_blocking(CHANNEL_FD, True)
    incoming = os.fdopen(CHANNEL_FD, "rb")
    outgoing = os.fdopen(os.dup(CHANNEL_FD), "wb")

    def send(message):
        # allow_nan=False: NaN and Infinity are not JSON; the emulator could not read the line.
        outgoing.write(json.dumps(message, default=str, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n")
        outgoing.flush()

    send({"op": "ready"})
    process = None
    for line in incoming:
        if not line.strip():
            continue
        message = json.loads(line)
        op = message.get("op")
        if op == "load":
            try:
                process = load(message["code"])
                send({"op": "loaded"})
            except Exception as exc:  # noqa: BLE001 - every load failure is reported, not fatal
                send({"op": "loaded", "error": describe(exc)})
        elif op == "process":
            reply = {"op": "result", "id": message["id"]}
            try:
                if process is None:
                    raise RuntimeError("no code is loaded")
                result = call(process, message["event"])
                # Serialize here so an unserializable result (NaN and Infinity included: they are
                # not JSON) is reported as this message's error, not lost as an unreadable line.
                json.dumps(result, default=str, allow_nan=False)
                reply["result"] = result
            except Exception as exc:  # noqa: BLE001 - a failing Process is the emulator's to retry
                reply["error"] = describe(exc)
            send(reply)
        elif op == "shutdown":
            break


if __name__ == "__main__":
    main()
