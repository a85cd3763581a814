/**
 * Two interchangeable answerers of the TimeWorker requests: a TypeScript implementation served
 * with the generated `serveTimeWorker`, and a Python worker for the WorkManager. Both read the
 * request as proto JSON and answer with proto JSON of the reply (int64 fields as JSON strings),
 * and both report a failure as an error code, so the generated TimeWorkerPubsubProxy cannot tell
 * them apart.
 */
import { Code, VirtufinError, type PubsubImplementation } from "@virtufin/sdk";
import { TimeWorker } from "./gen/acme/pricing/v1/pricing_pb.js";

/** `1970-01-01T00:00:00Z`: ISO 8601 to the second, as both implementations format it. */
function isoSeconds(unixSeconds: bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The TypeScript implementation (served by `serveTimeWorker(api, timeWorkerImpl)`). */
export const timeWorkerImpl: PubsubImplementation<typeof TimeWorker> = {
  getTime(request) {
    if (request.zone !== "UTC") {
      // Arrives at the caller as a VirtufinError with code INVALID_ARGUMENT.
      throw new VirtufinError(`unknown zone "${request.zone}"`, Code.InvalidArgument);
    }
    const seconds = request.unixSeconds === 0n ? BigInt(Math.floor(Date.now() / 1000)) : request.unixSeconds;
    return { iso: isoSeconds(seconds), zone: "UTC" };
  },
  elapsed(request) {
    return { seconds: request.toUnixSeconds - request.fromUnixSeconds };
  },
};

/**
 * The same answers from a Python worker created in the WorkManager on the request topic. The
 * WorkManager copies `correlationid` onto the result and publishes it to the request's
 * `replytopic`; top-level `errorcode`/`errormessage` strings travel as extensions, which the
 * generated client raises as a typed error, as it does for the TypeScript responder.
 */
export const PYTHON_TIME_WORKER = `
import datetime
import time


def _iso(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def Process(event):
    data = event.get("data") or {}
    kind = event.get("type", "")
    reply = {"type": kind + ".reply", "source": "urn:python:time-worker"}
    if kind == "acme.pricing.v1.TimeWorker.GetTime":
        zone = data.get("zone", "")
        if zone != "UTC":
            reply["errorcode"] = "INVALID_ARGUMENT"
            reply["errormessage"] = 'unknown zone "%s"' % zone
            return reply
        # proto JSON writes int64 as a string and leaves out zero values.
        seconds = int(data.get("unixSeconds", "0")) or int(time.time())
        reply["data"] = {"iso": _iso(seconds), "zone": "UTC"}
    elif kind == "acme.pricing.v1.TimeWorker.Elapsed":
        seconds = int(data.get("toUnixSeconds", "0")) - int(data.get("fromUnixSeconds", "0"))
        reply["data"] = {"seconds": str(seconds)}
    else:
        reply["errorcode"] = "UNIMPLEMENTED"
        reply["errormessage"] = 'no method handles requests of type "%s"' % kind
    return reply
`;
