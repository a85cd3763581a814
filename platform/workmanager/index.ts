/**
 * WorkManager conveniences of the seed's Python client.
 *
 * @module
 */
export { createWorkerFromFile, mimeTypeForFile, MIME_TYPES_BY_EXTENSION, type CreateWorkerFromFileOptions } from "./create-worker-from-file.js";
