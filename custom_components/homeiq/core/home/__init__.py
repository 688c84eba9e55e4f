"""The home model, its history and HomeIQ's own store of it.

:mod:`.model` is the seam every capability reads (plain dataclasses and numpy arrays, the
same for a real and a synthetic home); :mod:`.history` packs and parses state rows,
:mod:`.store` and :mod:`.segments` keep HomeIQ's compact copy of the history,
:mod:`.automations` and :mod:`.external` read automations and outdoor series into it and
:mod:`.selection` says which entities each capability reads.
"""

from .model import Area, Automation, Device, Entity, Home, Origin, StateHistory

__all__ = ["Area", "Automation", "Device", "Entity", "Home", "Origin", "StateHistory"]
