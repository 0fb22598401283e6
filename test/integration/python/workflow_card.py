"""Python Flowcept's own workflow card of a JSONL buffer file: argv[1] the file, argv[2] where to write the card."""
import sys

from flowcept import Flowcept

result = Flowcept.generate_report(input_jsonl_path=sys.argv[1], output_path=sys.argv[2])
print(result.get("tasks"), result.get("activities"), flush=True)
