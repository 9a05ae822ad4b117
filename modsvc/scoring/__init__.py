"""Scoring in the background and on request: ``scorer`` runs the analysis core on stored comments and records the
decision, ``backlog`` is the database-as-queue (claim, lease, sweep), ``embedded_worker`` scores inside ``modsvc
serve``, ``batcher`` shares model calls between API requests, and ``dispatch`` is the port through which work is
handed to a queue (the broker in scaled mode, this process otherwise)."""
