#!/usr/bin/python3
"""measure_codecs.py — re-measure the writer's deflate codecs (engine/io/h5out_internal.h).

For each class of per-replicate dataset in every /variants/<k> of a c5sim output file (tables:
int64 counts and float64 harm figures; per-tick series: int64 and float64; trust float32) it cuts
the data into the file's own chunks, shuffles where the writer does (integers and trust), and
deflates every chunk with zlib (the library HDF5 and the writer use) at level 4 (the former
setting), level 1, and level 1 with run-length matches only (Z_RLE). Prints the compressed size
and the compression time (zlib alone, best of 3) per setting.
Usage: /usr/bin/python3 tests/io/measure_codecs.py OUT.h5
The figures in docs/output-format.md ("Storage") come from this script.
"""
import sys
import time
import zlib

import h5py
import numpy as np

CODECS = {
    "level 4": (4, zlib.Z_DEFAULT_STRATEGY),
    "level 1": (1, zlib.Z_DEFAULT_STRATEGY),
    "level 1, Z_RLE": (1, zlib.Z_RLE),
}


def classify(name, dataset):
    if "/series/" in name:
        return "series " + str(dataset.dtype)
    if name.endswith("/trust"):
        return "trust float32"
    if "/summary/" in name or dataset.ndim == 0 or dataset.dtype.kind not in "if":
        return None
    return "tables " + str(dataset.dtype)


def chunks_of(dataset):
    """The dataset's chunks as the bytes deflate sees (shuffled for integers and float32)."""
    data = dataset[()]
    shape = dataset.chunks or data.shape
    shuffle = data.dtype.kind == "i" or data.dtype.itemsize == 4
    out = []
    for start in np.ndindex(*[(n + c - 1) // c for n, c in zip(data.shape, shape)]):
        index = tuple(slice(s * c, (s + 1) * c) for s, c in zip(start, shape))
        block = np.ascontiguousarray(data[index])
        raw = block.view(np.uint8).reshape(-1, block.itemsize)
        out.append((raw.T if shuffle else raw).copy().tobytes())
    return out


def main(path):
    classes = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.startswith("variants/"):
                key = classify(name, obj)
                if key:
                    classes.setdefault(key, []).extend(chunks_of(obj))
        f.visititems(visit)
    print(f"{'class':16s} {'raw MB':>8s}  " + "  ".join(f"{c:>22s}" for c in CODECS))
    for key, chunks in sorted(classes.items()):
        cells = []
        for level, strategy in CODECS.values():
            best = None
            for _ in range(3):
                size = 0
                start = time.perf_counter()
                for chunk in chunks:
                    z = zlib.compressobj(level, zlib.DEFLATED, 15, 8, strategy)
                    size += len(z.compress(chunk)) + len(z.flush())
                elapsed = time.perf_counter() - start
                best = elapsed if best is None else min(best, elapsed)
            cells.append(f"{size / 1e6:8.2f} MB {best:7.3f} s")
        raw = sum(len(c) for c in chunks)
        print(f"{key:16s} {raw / 1e6:8.2f}  " + "  ".join(f"{c:>22s}" for c in cells))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: measure_codecs.py OUT.h5")
    main(sys.argv[1])
