"""Oracles answer for the pool rows a learner queried, and only for those.

One protocol, :meth:`Oracle.stream`: a generator of chunks ``(positions,
answers)``, each a unit the learner validates whole and journals in one
transaction. Oracles that answer a batch at once (:class:`SimulatedOracle`,
:class:`NoisyOracle`, :class:`CallableOracle`) yield one chunk; oracles for
people (:class:`TerminalOracle`, :class:`FileOracle`,
``CallableOracle(per_row=True)``) yield one chunk per answer as soon as it is
given, and may answer :data:`SKIP` (no label for this row; it is not asked
again), :data:`STOP` (end the session; the learner trains on what it has and
``fit`` returns) or :data:`UNDO` (take back the last answer). Oracles that set
``_takes_context`` also get a :class:`RoundContext`: the model's guesses for
the rows, the budget, and notes kept in the journal. :meth:`Oracle.label` collects the stream into one answer per
row. With ``fit(..., journal=PATH)`` every answer is on disk before it is used.
"""

from ._base import SKIP, STOP, UNDO, Oracle, RoundContext
from ._file import FileOracle
from ._label_studio import LabelStudioOracle, from_label_studio, to_label_studio
from ._simulated import CallableOracle, NoisyOracle, SimulatedOracle, as_oracle
from ._terminal import TerminalOracle, describe_row
from ._web import WebOracle

__all__ = [
    "Oracle",
    "RoundContext",
    "SimulatedOracle",
    "CallableOracle",
    "NoisyOracle",
    "TerminalOracle",
    "FileOracle",
    "WebOracle",
    "LabelStudioOracle",
    "to_label_studio",
    "from_label_studio",
    "SKIP",
    "STOP",
    "UNDO",
    "as_oracle",
    "describe_row",
]
