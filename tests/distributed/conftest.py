"""A local Ray cluster for the tests of this folder, started once per test process (skipped only without ray)."""

import pytest

from ..conftest import real_part_missing
from ..pools.conftest import image_folder, parquet_pool  # noqa: F401  (fixtures shared with tests/pools)


@pytest.fixture(scope="session")
def ray_cluster():
    """``ray.init(num_cpus=2)``: a local cluster without dashboard, progress bars off; shut down at the end."""
    try:
        import ray
    except ImportError:
        real_part_missing("ray is not installed (pip install skal[ray]; make test installs it)")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()
