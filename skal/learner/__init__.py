"""The active-learning loop: the learner, its label pool and its rounds.

``_learner`` holds :class:`ActiveLearner` (parameters, ``fit`` = check then
run, the step API, prediction); ``_checks`` every check a fit runs before
state changes; ``_pool`` the :class:`LabelPool`; ``_loop`` the round
functions (select → ask → record → train); ``_replay`` the journal's opening.
"""

from ._learner import ActiveLearner
from ._pool import LabelPool

__all__ = ["ActiveLearner", "LabelPool"]
