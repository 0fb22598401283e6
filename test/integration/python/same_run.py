"""The small workflow of the same-run comparison, captured by Python Flowcept
(offline mode, settings from FLOWCEPT_SETTINGS_PATH). children/same-run-app.ts
is the same workflow for flowcept-otel. Prints the workflow id.
"""
from flowcept import Flowcept, FlowceptLoop, FlowceptTask, flowcept_task


@flowcept_task(output_names="y")
def inner(x):
    return x + 1


@flowcept_task(output_names="z")
def outer(x, k=2):
    return inner(x) * k


@flowcept_task
def fails(x):
    raise ValueError(f"bad x: {x}")


with Flowcept(workflow_name="same_run", workflow_args={"n": 2}) as f:
    outer(1)
    loop = FlowceptLoop(range(2), loop_name="epochs", item_name="epoch")
    for epoch in loop:
        loop.end_iter({"loss": 1.0 / (epoch + 1)})
    with FlowceptTask(activity_id="download", used={"url": "https://example.org/data.csv"}) as t:
        t.end(generated={"rows": 3})
    try:
        fails(1)
    except ValueError:
        pass
    print(f.current_workflow_id, flush=True)
