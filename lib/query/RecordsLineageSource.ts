/**
 * A lineage source over task records held in memory: the index is built
 * from them when the source is made. The MongoDB path reads the tasks a
 * query may reach into one of these.
 */
import { LineageIndexBuilder } from "./LineageIndexBuilder.js";
import type { LineageIndex } from "./LineageIndex.js";
import type { LineageRule } from "./lineage-rule.js";
import type { LineageSource } from "./lineage-walk.js";

/** Lineage over records in memory (whole records, one per task). */
export class RecordsLineageSource implements LineageSource {
  readonly index: LineageIndex;
  private readonly byNumber: Record<string, unknown>[] = [];

  constructor(
    records: Iterable<Record<string, unknown>>,
    rule: LineageRule,
    private readonly where: string,
  ) {
    const builder = new LineageIndexBuilder(rule);
    for (const r of records) {
      if (typeof r.task_id !== "string") continue;
      const n = builder.add(r as Record<string, unknown> & { task_id: string });
      if (n === this.byNumber.length) this.byNumber.push(r);
    }
    this.index = builder.build();
  }

  describe(): string {
    return this.where;
  }

  async records(tasks: readonly number[]): Promise<Map<number, Record<string, unknown>>> {
    const out = new Map<number, Record<string, unknown>>();
    for (const t of tasks) {
      const r = this.byNumber[t];
      if (r) out.set(t, r);
    }
    return out;
  }
}
