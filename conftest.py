"""Test-session setup shared by tests/ and notebooks/.

Notebooks run in Jupyter kernels, where promise-gap's run cache is on by default. Point the
cache at a fresh folder so every test session really simulates (no results left over from
an earlier run on this machine); kernels started by nbmake inherit the variable.
"""

import os
import tempfile

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="promise-gap-test-cache-")
os.environ.setdefault("MPLBACKEND", "Agg")  # charts render without a display
