"""digest.py — a sha256 per dataset of a c5sim output file, for bit-identity checks.

Used by tests/python/test_channels.py against digests recorded before the channels of
docs/model.md §5.9-§5.12 were added (commit 203107b), and recorded again once when issue 21
changed the detection stream (docs/model.md §2): with no channel declared, every dataset that
existed then must keep the recorded bytes. Only the results are digested (/variants and /comparison), never
provenance (times, versions, command lines).
"""
import hashlib
import json
import sys

import h5py
import numpy as np


def digests(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            if not (name.startswith("variants/") or name.startswith("comparison")):
                return
            data = obj[()]
            if isinstance(data, np.ndarray) and data.dtype.kind == "O":
                blob = repr([bytes(x) if isinstance(x, bytes) else x for x in data.ravel()]).encode()
            elif isinstance(data, np.ndarray):
                blob = np.ascontiguousarray(data).tobytes()
            else:
                blob = repr(data).encode()
            out[name] = hashlib.sha256(blob).hexdigest()
        f.visititems(visit)
    return out


if __name__ == "__main__":
    json.dump(digests(sys.argv[1]), sys.stdout, indent=1, sort_keys=True)
