"""Reads a flowcept-otel JSONL store with Python Flowcept's own tools.

    python flowcept_reads_ours.py <buffer.jsonl> <workflow_id> <report.md>

Prints one JSON object: what Flowcept.read_buffer_file returned, what
TaskObject.from_dict kept of each task, and the workflow card that
Flowcept.generate_report wrote.
"""
import json
import sys

from flowcept import Flowcept
from flowcept.commons.flowcept_dataclasses.task_object import TaskObject
from flowcept.commons.flowcept_dataclasses.workflow_object import WorkflowObject

path, workflow_id, report_path = sys.argv[1], sys.argv[2], sys.argv[3]

messages = Flowcept.read_buffer_file(path)
mine = [m for m in messages if m.get("workflow_id") == workflow_id]
tasks = []
for message in mine:
    if message.get("type") != "task":
        continue
    task = TaskObject.from_dict(message)
    kept = task.to_dict()
    tasks.append(
        {
            "task_id": task.task_id,
            "activity_id": task.activity_id,
            "status": task.status.value if task.status is not None else None,
            "parent_task_id": task.parent_task_id,
            "used": task.used,
            "generated": task.generated,
            "dropped": sorted(k for k in message if k not in kept),
        }
    )
workflows = [WorkflowObject.from_dict(m) for m in mine if m.get("type") == "workflow"]

# The card reads the whole file; one workflow's records keep it a single-workflow card.
card_input = report_path + ".input.jsonl"
with open(card_input, "w") as f:
    for message in mine:
        f.write(json.dumps(message) + "\n")
result = Flowcept.generate_report(report_type="workflow_card", format="markdown", input_jsonl_path=card_input, output_path=report_path)

print(
    json.dumps(
        {
            "messages": len(messages),
            "workflow_messages": len(mine),
            "workflows": [{"workflow_id": w.workflow_id, "name": w.name, "status": w.status.value if w.status else None} for w in workflows],
            "tasks": tasks,
            "report": {k: v for k, v in result.items() if isinstance(v, (str, int, float, bool))},
        }
    )
)
