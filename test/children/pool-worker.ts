/** Worker module of the worker-pool tests: a task that calls a Flowcept task, and one that can fail. */
import { flowceptTask } from "../../lib/capture/flowcept-task.js";

const square = flowceptTask(function square(x: number) {
  return x * x;
});

export default async function work({ n, fail }: { n: number; fail?: boolean }): Promise<{ n: number; sq: number }> {
  await new Promise((r) => setTimeout(r, 5));
  if (fail) throw new RangeError(`bad input ${n}`);
  return { n, sq: square(n) };
}

export function increment(x: number): number {
  return x + 1;
}

export function bytes(buf: ArrayBuffer): number {
  return buf.byteLength;
}
