"""Stage 2, map: which source column feeds which canonical field (``columns``), and the canonical
frame built from them (``canonical``)."""
