/**
 * A workflow as OpenLineage RunEvents, in the order a live producer would
 * have sent them: the workflow's START, then each task's START and final
 * event by time, then the workflow's final event (events at the same time:
 * starts before ends, parents' starts before their children's).
 */
import { taskRunEvents, workflowRunEvents, type OpenLineageMappingOptions, type OpenLineageRunEvent } from "../../../exporters/openlineage/openlineage-events.js";
import type { ExportInput } from "./export-input.js";

/** The RunEvents of an export input, in time order. */
export function openLineageEvents(input: ExportInput, options: OpenLineageMappingOptions = {}): OpenLineageRunEvent[] {
  const timed: { event: OpenLineageRunEvent; order: number }[] = [];
  let n = 0;
  const wfEvents = input.workflow ? workflowRunEvents(input.workflow, options) : [];
  for (const event of input.tasks.flatMap((t) => taskRunEvents(t, input.workflow, options))) timed.push({ event, order: n++ });
  timed.sort((a, b) => a.event.eventTime.localeCompare(b.event.eventTime) || rank(a.event) - rank(b.event) || a.order - b.order);
  const [wfStart, ...wfEnd] = wfEvents;
  return [...(wfStart ? [wfStart] : []), ...timed.map((t) => t.event), ...wfEnd];
}

function rank(e: OpenLineageRunEvent): number {
  return e.eventType === "START" ? 0 : 1;
}
