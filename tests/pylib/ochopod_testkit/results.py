"""A bench's results as files: the JSON (indented, one trailing newline) and
the Markdown it printed, each only when a path is given. Used by
bench/jobs_bench.py and bench/peers_bench.py."""

import json


def write(result, markdown_text, json_path=None, md_path=None):
    if json_path:
        with open(json_path, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    if md_path:
        with open(md_path, "w") as f:
            f.write(markdown_text)
