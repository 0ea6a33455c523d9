#!/usr/bin/python3
"""Writes the CKA test fixtures: Kornblith et al.'s demo arrays (linear CKA 0.55761).
Run: /usr/bin/python3 tools/make_cka_fixtures.py core/src/test/resources/cka
"""
import sys

import numpy as np

np.random.seed(1337)
X = np.random.randn(100, 10)
Y = np.random.randn(100, 10) + X
np.save(f"{sys.argv[1]}/kornblith_x.npy", X)
np.save(f"{sys.argv[1]}/kornblith_y.npy", Y)
