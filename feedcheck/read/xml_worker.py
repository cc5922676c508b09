"""``python -m feedcheck.read.xml_worker``: read one half of a split XML feed (see
:mod:`feedcheck.read.split_xml`), in a process of its own.

The job comes as JSON on standard input. Each batch of records goes to an Arrow IPC file
``<out_dir>/NNNNNN.arrow``, so that neither process holds the half in memory; then the columns
and findings go out as one JSON line on standard error. A half that cannot be read exits 1, with
the refusal as JSON on standard error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from feedcheck.errors import FeedError
from feedcheck.read.sniff import ItemElement
from feedcheck.read.split_xml import Done, Job, open_pieces
from feedcheck.read.xml_reader import XmlReader


def main() -> None:
    job = Job.model_validate_json(sys.stdin.buffer.read())
    item = ItemElement(job.tag, job.item_path)
    reader = XmlReader(lambda: open_pieces(job.path, job.pieces), item, job.limits, job.encoding, batch=job.batch)
    files = 0
    try:
        for frame in reader.batches():
            frame.write_ipc(Path(job.out_dir) / f"{files:06d}.arrow", compression="uncompressed")
            files += 1
    except FeedError as err:
        sys.stderr.write(json.dumps({"kind": type(err).__name__, "message": err.message}) + "\n")
        sys.exit(1)
    issues = [(i.code, i.lines, i.count, i.values) for i in reader.findings.issues()]
    done = Done(
        columns=reader.columns,
        first_seen=reader.first_seen,
        multi=sorted(reader.multi),
        records=reader.records,
        files=files,
        issues=issues,
    )
    sys.stderr.write(done.model_dump_json() + "\n")


if __name__ == "__main__":
    main()
