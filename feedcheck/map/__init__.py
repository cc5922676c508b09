"""Stage 2, map: which source column feeds which canonical field (``columns``, reading names into
words with ``names`` and comparing them with the ``lexicon`` of ``schemas/lexicon.toml``), and the
canonical frame built from them (``canonical``)."""
