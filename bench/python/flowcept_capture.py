"""Python Flowcept's capture cost per call, for `npm run bench -- compare`.

    python flowcept_capture.py <calls> <rounds>

Settings come from FLOWCEPT_SETTINGS_PATH (offline mode: the JSONL dump at
stop, telemetry off). For each capture style and round, one workflow: the
calls are timed (CPU time of this process), then Flowcept's stop, which
writes the buffer file. Prints one JSON object: per style, a list of
[ns per call without the dump, ns per call with it], one pair per round.
"""
import json
import sys
import time

from flowcept import Flowcept, FlowceptLightweightLoop, FlowceptLoop, flowcept_task, lightweight_flowcept_task

calls = int(sys.argv[1])
rounds = int(sys.argv[2])


@flowcept_task
def add_one(x):
    return x + 1


@lightweight_flowcept_task
def add_one_light(x):
    return x + 1


def task_calls():
    for i in range(calls):
        add_one(i)


def light_calls():
    for i in range(calls):
        add_one_light(i)


def loop_iterations():
    loop = FlowceptLoop(range(calls), loop_name="l", item_name="i")
    for i in loop:
        loop.end_iter({"v": i})


def light_loop_iterations():
    loop = FlowceptLightweightLoop(range(calls), loop_name="ll", item_name="i")
    for i in loop:
        loop.end_iter({"v": i})


styles = {
    "flowceptTask": task_calls,
    "lightweightFlowceptTask": light_calls,
    "FlowceptLoop": loop_iterations,
    "FlowceptLightweightLoop": light_loop_iterations,
}
out = {name: [] for name in styles}
for _ in range(rounds):
    for name, body in styles.items():
        f = Flowcept(workflow_name=f"bench-{name}", start_persistence=True)
        f.start()
        t0 = time.process_time_ns()
        body()
        t1 = time.process_time_ns()
        f.stop()
        t2 = time.process_time_ns()
        out[name].append([(t1 - t0) / calls, (t2 - t0) / calls])
print(json.dumps(out), flush=True)
