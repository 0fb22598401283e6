/** What a loop can iterate: an integer, any sync or async iterable, or an iterator. */
export type LoopItems<T> = number | Iterable<T> | AsyncIterable<T> | Iterator<T> | AsyncIterator<T>;

/** The items of a loop, normalised. */
export interface LoopSource<T> {
  sync?: () => Iterator<T>;
  async?: () => AsyncIterator<T>;
  /** Known number of items, if any. */
  length?: number;
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Normalises loop items. Throws a TypeError for anything else. */
export function loopSource<T>(items: LoopItems<T>, itemsLength?: number): LoopSource<T> {
  if (typeof items === "number") {
    if (!Number.isInteger(items) || items < 0) throw new TypeError(`FlowceptLoop: an integer item count must be a non-negative integer, got ${items}`);
    return { sync: () => range(items) as unknown as Iterator<T>, length: items };
  }
  if (items === null || typeof items !== "object") throw new TypeError(`FlowceptLoop: cannot iterate over ${items === null ? "null" : typeof items}`);
  const o = items as Partial<Iterable<T> & AsyncIterable<T> & Iterator<T> & AsyncIterator<T>> & { length?: unknown; size?: unknown };
  const known = typeof o.length === "number" ? o.length : typeof o.size === "number" ? o.size : itemsLength;
  const src: LoopSource<T> = { length: itemsLength ?? known };
  if (typeof o[Symbol.iterator] === "function") src.sync = () => (o as Iterable<T>)[Symbol.iterator]();
  if (typeof o[Symbol.asyncIterator] === "function") src.async = () => (o as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (!src.sync && !src.async && typeof o.next === "function") {
    // A bare iterator: it may hand out promises (async) or values (sync); both protocols are offered.
    let used = false;
    const once = <I>(it: I): (() => I) => () => {
      if (used) throw new TypeError("FlowceptLoop: a bare iterator can be iterated only once");
      used = true;
      return it;
    };
    src.sync = once(o as Iterator<T>);
    src.async = once(o as AsyncIterator<T>);
  }
  if (!src.sync && !src.async) throw new TypeError("FlowceptLoop: items must be an integer, an iterable, an async iterable or an iterator");
  return src;
}
