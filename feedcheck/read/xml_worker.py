"""``python -m feedcheck.read.xml_worker``: read one half of a split XML feed (see
:mod:`feedcheck.read.split_xml`), in a process of its own.

The job comes as JSON on standard input. The records go out as Arrow IPC on standard output,
then the columns as one JSON line on standard error; a half that cannot be read whole exits 1,
with the refusal as JSON on standard error.
"""

from __future__ import annotations

import json
import sys

from feedcheck.errors import FeedError
from feedcheck.read.sniff import ItemElement
from feedcheck.read.split_xml import Job, open_pieces
from feedcheck.read.xml_reader import read_xml


def main() -> None:
    job = Job.model_validate_json(sys.stdin.buffer.read())
    item = ItemElement(job.tag, job.item_path)
    try:
        table = read_xml(lambda: open_pieces(job.path, job.pieces), item, job.limits, job.encoding)
    except FeedError as err:
        sys.stderr.write(json.dumps({"kind": type(err).__name__, "message": err.message}) + "\n")
        sys.exit(1)
    if table.issues:
        sys.exit(1)
    table.frame.write_ipc(sys.stdout.buffer, compression="uncompressed")
    sys.stderr.write(json.dumps({"columns": table.columns, "multi": sorted(table.multi)}) + "\n")


if __name__ == "__main__":
    main()
