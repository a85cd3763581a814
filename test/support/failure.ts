/**
 * The error a promise rejects with, checked to be of the expected class: the test fails when the
 * promise resolves or rejects with something else.
 */
import { expect } from "vitest";

/** Awaits `promise`, expecting it to reject with an instance of `type`, and returns that error. */
export async function failure<E>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => error,
  );
  expect(outcome, "expected the call to fail").toBeInstanceOf(type);
  return outcome as E;
}
