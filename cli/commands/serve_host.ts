/**
 * Which `Host` headers `rnnc serve` answers. A page on any web site can make the browser send
 * requests to 127.0.0.1 by pointing its own domain name there (DNS rebinding) and then read the
 * answers as same-origin; its requests carry that domain name as Host. So the server answers only
 * the names it listens under: the loopback ones, and the one `--host` gives.
 */
import net from 'node:net';

/** Names of this machine's loopback interface, as a Host header spells them (IPv6 without brackets). */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Addresses that listen on every interface: the server is then reached by addresses nobody listed. */
const EVERY_INTERFACE: readonly string[] = ['0.0.0.0', '::'];

/** A host name or address as compared: lowercase, IPv6 without brackets. */
function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/** The name in a Host header (`name`, `name:port`, `[v6]:port`), canonical; null when absent or malformed. */
export function hostName(header: string | undefined): string | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d*)?$/i.exec(header ?? '');
  return m ? canonical(m[1] ?? m[2]) : null;
}

/** `host` (the --host value) is a loopback name: nothing but this machine can connect. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.includes(canonical(host));
}

/**
 * A request whose Host header is `header` is for a server listening on `host`: the header names a
 * loopback name or `host` itself; when `host` is every interface, any IP address too (a rebinding
 * page always sends its own domain name, never an address).
 */
export function hostAllowed(header: string | undefined, host: string): boolean {
  const name = hostName(header);
  if (name === null) return false;
  if (LOOPBACK_NAMES.includes(name) || name === canonical(host)) return true;
  return EVERY_INTERFACE.includes(canonical(host)) && net.isIP(name) !== 0;
}
