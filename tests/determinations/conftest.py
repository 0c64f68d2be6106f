from tests.evals.conftest import (  # noqa: F401
    autonomy_suite,
    eval_system,
    machine,
    media_root,
    queue_at_once,
    snapshot,
)
from tests.oversight.conftest import officers, run_on_commit  # noqa: F401
