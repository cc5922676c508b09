"""Stage 5, write: the normalised catalogue (``normalise``) written as feedcheck's canonical CSV
and XML (``canonical``)."""
