"""A Python Flowcept run in offline mode (settings from FLOWCEPT_SETTINGS_PATH):
tasks (one nested in another), a FlowceptLoop, a FlowceptTask, a failing task,
telemetry on. Prints the workflow id.

    python flowcept_offline_run.py [workflow_name [epochs]]   (default: python_offline 3)

`same_run 2` is the workflow of the same-run comparison; children/same-run-app.ts
is the same workflow for flowcept-otel.
"""
import sys
import time

from flowcept import Flowcept, FlowceptLoop, FlowceptTask, flowcept_task

workflow_name = sys.argv[1] if len(sys.argv) > 1 else "python_offline"
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3


@flowcept_task(output_names="y")
def inner(x):
    return x + 1


@flowcept_task(output_names="z")
def outer(x, k=2):
    return inner(x) * k


@flowcept_task
def fails(x):
    raise ValueError(f"bad x: {x}")


with Flowcept(workflow_name=workflow_name, workflow_args={"n": epochs}) as f:
    outer(1)
    loop = FlowceptLoop(range(epochs), loop_name="epochs", item_name="epoch")
    for epoch in loop:
        time.sleep(0.01)
        loop.end_iter({"loss": 1.0 / (epoch + 1)})
    with FlowceptTask(activity_id="download", used={"url": "https://example.org/data.csv"}) as t:
        t.end(generated={"rows": 3})
    try:
        fails(1)
    except ValueError:
        pass
    print(f.current_workflow_id, flush=True)
