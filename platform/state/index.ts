/**
 * State for the platform client: values with etags and a read-modify-write loop.
 *
 * @module
 */
export { PlatformState, type DeleteOptions, type SaveOptions, type StateValue, type UpdateOptions } from "./state-client.js";
