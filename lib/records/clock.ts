const origin = performance.timeOrigin;

/** Float seconds since the epoch, with the same clock as OTel span times. */
export function nowSeconds(): number {
  return (origin + performance.now()) / 1000;
}

/**
 * Float seconds since the epoch from whole seconds and nanoseconds: the one
 * rounding every path uses, so that a span read in-process and the same span
 * read back from OTLP (which carries whole nanoseconds) give the same number.
 */
export function epochSeconds(seconds: number, nanos: number): number {
  return seconds + Math.trunc(nanos) / 1e9;
}
