#!/usr/bin/python3
"""measure_compression.py — re-measure the writer's filter choice on a c5sim output file.

For each class of dataset under /variants/0 (integer counts, float64 harm figures, per-tick
series, trust) it rewrites the data into a scratch file with the file's own chunk shape under
three filter settings (none, deflate 4, shuffle + deflate 4) and prints the stored size and the
write time of each. Usage: /usr/bin/python3 tests/io/measure_compression.py OUT.h5
The figures in docs/output-format.md come from this script.
"""
import os
import sys
import tempfile
import time

import h5py
import numpy as np

SETTINGS = {
    "none": {},
    "deflate4": {"compression": "gzip", "compression_opts": 4},
    "shuffle+deflate4": {"compression": "gzip", "compression_opts": 4, "shuffle": True},
}


def classify(name, dataset):
    if name.startswith("series/"):
        return "series int64" if dataset.dtype.kind == "i" else "series float64"
    if name == "trust":
        return "trust float32"
    if name in ("written",) or name.startswith("diagnostics/") or name == "events":
        return None
    return "tables int64" if dataset.dtype.kind == "i" else "tables float64"


def main(path):
    classes = {}
    with h5py.File(path, "r") as source:
        variant = source["/variants/0"]

        def visit(name, item):
            if isinstance(item, h5py.Dataset) and item.chunks:
                label = classify(name, item)
                if label:
                    classes.setdefault(label, []).append((item[()], item.chunks))

        variant.visititems(visit)
    print(f"{'class':<16} {'raw MB':>8} " + " ".join(f"{s:>22}" for s in SETTINGS))
    with tempfile.TemporaryDirectory() as scratch:
        for label, arrays in sorted(classes.items()):
            raw = sum(a.nbytes for a, _ in arrays) / 1e6
            cells = []
            for setting, options in SETTINGS.items():
                target = os.path.join(scratch, setting + ".h5")
                start = time.perf_counter()
                with h5py.File(target, "w") as out:
                    stored = 0
                    for i, (array, chunks) in enumerate(arrays):
                        d = out.create_dataset(str(i), data=array, chunks=chunks, **options)
                        out.flush()
                        stored += d.id.get_storage_size()
                elapsed = time.perf_counter() - start
                cells.append(f"{stored / 1e6:8.2f} MB {elapsed:7.3f} s")
                os.remove(target)
            print(f"{label:<16} {raw:8.2f} " + " ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
