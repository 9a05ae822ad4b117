"""Per-site adaptation: reviewers' decisions teach a small model on top of the base model's outputs.

Plain Python (no Flask, no Celery). The pieces:

- ``labels``: a human decision as a label (rejection reasons mapped to labels, approvals as harmless).
- ``features``: what every backend returns (per-label scores, trope evidence, language) as one vector.
- ``adapter``: the site adapter itself (a logistic regression stored as JSON), fitting and applying it.
- ``evaluation``: weighted precision / recall / F1 of the review routing, precision at equal recall, the guardrail.
- ``thresholds``: per-label review / hold thresholds that reach a target precision on the site's decisions.
- ``spotcheck``: drawing allowed comments for a human look, and the miss-rate estimate with its interval.
- ``service``: the database side (decisions of a site, fit / deploy / roll back with audit entries, re-routing
  the waiting comments, spot-check selection after scoring); the CLI, the API, the admin pages and the scheduled
  task call only this.
"""
from .settings import AdaptationSettings, load_adaptation_settings

__all__ = ["AdaptationSettings", "load_adaptation_settings"]
