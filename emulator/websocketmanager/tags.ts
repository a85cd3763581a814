/**
 * Connection tags: limits (at most 50 tags, key ≤ 128 and value ≤ 1024 characters, as the
 * platform documents; violations are INVALID_ARGUMENT) and List's filter rule (every filter
 * must match exactly).
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** Most tags one connection may carry. */
export const MAX_TAGS = 50;
/** Longest tag key. */
export const MAX_TAG_KEY = 128;
/** Longest tag value. */
export const MAX_TAG_VALUE = 1024;

/** Merges `changes` into `current` after checking the limits; returns the merged tags. */
export function mergeTags(current: ReadonlyMap<string, string>, changes: Readonly<Record<string, string>>): Map<string, string> {
  const merged = new Map(current);
  for (const [key, value] of Object.entries(changes)) {
    if (key === "") throw new ConnectError("Tag key is required", Code.InvalidArgument);
    if (key.length > MAX_TAG_KEY)
      throw new ConnectError(`Tag key is longer than ${MAX_TAG_KEY} characters`, Code.InvalidArgument);
    if (value.length > MAX_TAG_VALUE)
      throw new ConnectError(`Tag value of "${key}" is longer than ${MAX_TAG_VALUE} characters`, Code.InvalidArgument);
    merged.set(key, value);
  }
  if (merged.size > MAX_TAGS) throw new ConnectError(`A connection may have at most ${MAX_TAGS} tags`, Code.InvalidArgument);
  return merged;
}

/** True when every filter's key has exactly the filter's value. */
export function matchesFilters(tags: ReadonlyMap<string, string>, filters: readonly { key: string; value: string }[]): boolean {
  return filters.every((filter) => tags.get(filter.key) === filter.value);
}
