/** The emulator's configuration inputs (services config). */
export * from "./services-config.js";
