import type { AddressInfo } from "node:net";

/** `http://host:port` of a bound server's address (IPv6 hosts in brackets). */
export function httpUrl(a: AddressInfo): string {
  const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
