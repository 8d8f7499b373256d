"""Route modules, one per API area; importing them fills ``sandbox.registry``."""

from __future__ import annotations

from . import assets, batch, business, insights, people, tokens

__all__ = ["assets", "batch", "business", "insights", "people", "tokens"]
