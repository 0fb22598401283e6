/**
 * Files that name the process owning them (spill files, rejected-record
 * files, the local store's writer list): this host's name in a form fit for
 * a file name, and whether a process of this host still runs.
 */
import { HOSTNAME } from "./host-info.js";

/** This host's name with every character but `[A-Za-z0-9_.]` replaced by `_`. */
export const HOST_IN_FILE_NAMES: string = HOSTNAME.replace(/[^A-Za-z0-9_.]/g, "_") || "localhost";

/** Whether process `pid` of this host is running (one of another user counts). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
