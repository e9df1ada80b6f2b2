"""landplan: plan industrial land for high-tech projects.

Load parcel layers, match candidate projects to parcels with an integer program,
share the land development cost under the high-tech cost cap, and report.
In a notebook: ``landplan.plan(scenario, **overrides)`` and ``landplan.sweep``
(``landplan.api``).
"""

from landplan.api import Plan, plan, sweep
from landplan.constants import VERSION as __version__

__all__ = ["Plan", "__version__", "plan", "sweep"]
