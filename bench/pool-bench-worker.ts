/** Worker of the pool benchmark: a small computation. */
export default function work({ n }: { n: number }): { n: number; r: number } {
  let r = 0;
  for (let i = 0; i < 100; i++) r += (n * i) % 7;
  return { n, r };
}
