#!/usr/bin/python3
"""Writes the small chunked, gzip-compressed PCam HDF5 fixture that the tests read.

jHDF (the Java reader kdml uses) cannot write chunked datasets, and the original PCam files
store x as chunked uint8 with compression, so this fixture is made once with h5py and
committed. Pixel values follow a formula the test recomputes:
    x[i, y, z, c] = (i * 7 + y * 3 + z * 5 + c * 11) % 256,  y[i] = i % 2.
Run: /usr/bin/python3 tools/make_chunked_pcam_h5.py core/src/test/resources/pcam-h5-chunked
"""
import sys

import h5py
import numpy as np

out = sys.argv[1]
n = 10
i, y, z, c = np.meshgrid(np.arange(n), np.arange(96), np.arange(96), np.arange(3), indexing="ij")
x = ((i * 7 + y * 3 + z * 5 + c * 11) % 256).astype(np.uint8)
labels = (np.arange(n) % 2).astype(np.uint8).reshape(n, 1, 1, 1)
with h5py.File(f"{out}/camelyonpatch_level_2_split_valid_x.h5", "w") as f:
    f.create_dataset("x", data=x, chunks=(4, 96, 96, 3), compression="gzip")
with h5py.File(f"{out}/camelyonpatch_level_2_split_valid_y.h5", "w") as f:
    f.create_dataset("y", data=labels, chunks=(4, 1, 1, 1), compression="gzip")
