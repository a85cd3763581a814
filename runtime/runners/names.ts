/** Default runner names. */

/** `SimpleRunner` → `simple-runner`, `HTTPServer2` → `http-server2`, `pricesSubscriber` → `prices-subscriber`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}
