"""ksquery: ask Alingsås kommunstyrelsens budget 2025–2027 in SQL or Swedish."""

__version__ = "0.1.0"
