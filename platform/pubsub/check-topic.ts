/** The one check of a topic argument, shared by the pub/sub client, responders and DaprPublisher. */
import { Code, VirtufinError } from "../../runtime/errors.js";

/** Throws INVALID_ARGUMENT, before any call, unless `topic` is a non-empty string. */
export function checkTopic(topic: string): void {
  if (typeof topic !== "string" || topic.trim() === "") {
    throw new VirtufinError(`a topic must be a non-empty string, got ${JSON.stringify(topic)}`, Code.InvalidArgument);
  }
}
