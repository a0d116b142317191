"""A local Ray cluster for the tests of this folder, started once per test process (skipped only without ray)."""

import os

import pytest

from ..pools.conftest import image_folder, parquet_pool  # noqa: F401  (fixtures shared with tests/pools)

# Ray Data's progress bars replace builtins.print in the driver; a skorch net (its PrintLog holds print) then no
# longer pickles for the workers. Seen once in a fresh-clone CI run, depending on test order.
os.environ.setdefault("RAY_TQDM_PATCH_PRINT", "0")


@pytest.fixture(scope="session")
def ray_cluster():
    """``ray.init(num_cpus=2)``: a local cluster without dashboard, progress bars off; shut down at the end."""
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install skal[ray]; make test installs it)")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()
