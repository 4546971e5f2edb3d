"""Leak audit of stripe-mock: nothing to find.

stripe-mock keeps no state (every request is answered from its fixtures), so a run
can leave nothing behind on it.
"""

from __future__ import annotations


def leftovers() -> dict[str, int]:
    """Always empty: stripe-mock stores nothing a test could leave."""
    return {}
