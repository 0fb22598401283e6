/**
 * mingo's public `Query`/`Aggregator` copy their whole operator table on
 * every construction, which dominates a server that builds one per write.
 * mingo's base classes skip the copy when handed the options object mingo
 * itself passes to operators; we capture one once (through a throw-away
 * operator) and build fresh ones from it. If a mingo release changes that,
 * the public classes are used instead: slower, same results.
 */
import { Aggregator, Context, Query } from "mingo";
import { Aggregator as BaseAggregator } from "mingo/aggregator";
import { Query as BaseQuery } from "mingo/query";
import type { Document } from "bson";

type OptionsCtor = new (options: unknown, locals: Record<string, unknown>) => object;

function captureOptions(): (() => object) | undefined {
  try {
    let captured: { constructor: OptionsCtor; options: unknown } | undefined;
    const context = Context.init({
      expression: {
        $__captureOptions: ((_obj: unknown, _expr: unknown, options: unknown) => {
          captured = options as typeof captured;
          return null;
        }) as never,
      },
    });
    new Aggregator([{ $project: { x: { $__captureOptions: 1 } } }], { context }).run([{}]);
    if (!captured || typeof captured.constructor !== "function" || !captured.options) return undefined;
    const { constructor: Ctor, options } = captured;
    const make = (): object => new Ctor(options, {});
    // Check the shortcut gives the public classes' answers before trusting it.
    const probe = new BaseQuery({ a: { $gt: 1 } }, make() as never).test({ a: 2 });
    const [row] = new BaseAggregator([{ $set: { b: { $mergeObjects: ["$m", { $literal: { y: 1 } }] } } }], make() as never).run([{ m: { x: 1 } }]) as Document[];
    return probe && row?.b?.x === 1 && row?.b?.y === 1 ? make : undefined;
  } catch {
    return undefined;
  }
}

const fastOptions = captureOptions();

/** A compiled query with mingo's full operator set. */
export function makeQuery(filter: Document): { test(doc: Document): boolean } {
  return fastOptions ? new BaseQuery(filter, fastOptions() as never) : new Query(filter, {});
}

/** Runs an aggregation pipeline with mingo's full operator set. */
export function runPipeline(pipeline: Document[], docs: Document[]): Document[] {
  return (fastOptions ? new BaseAggregator(pipeline, fastOptions() as never) : new Aggregator(pipeline, {})).run(docs) as Document[];
}
