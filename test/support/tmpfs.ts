/**
 * Small file systems for fault tests: a tmpfs of a few MiB mounted by the
 * test (a full disk, a read-only folder), where the machine allows it
 * (root, and `mount` works). Tests fall back to `/dev/full` or file modes
 * otherwise.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

/** Mounts a tmpfs of `sizeKiB` on `dir` (created); false when the machine does not allow it. */
export function mountTmpfs(dir: string, sizeKiB: number): boolean {
  if (process.getuid?.() !== 0) return false;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0755`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Remounts `dir` read-only or read-write. */
export function remount(dir: string, mode: "ro" | "rw"): void {
  execFileSync("mount", ["-o", `remount,${mode}`, dir], { stdio: "ignore" });
}

/** Unmounts `dir` (lazily, so open files elsewhere do not stop it); quiet when it is not mounted. */
export function unmount(dir: string): void {
  try {
    execFileSync("umount", ["-l", dir], { stdio: "ignore" });
  } catch {
    // not mounted
  }
}
