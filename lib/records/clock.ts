const origin = performance.timeOrigin;

/** Float seconds since the epoch, with the same clock as OTel span times. */
export function nowSeconds(): number {
  return (origin + performance.now()) / 1000;
}
