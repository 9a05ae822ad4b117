"""The Redis URL tests may use (the shared local server; keys are namespaced per test key id)."""
import os

REDIS_URL = os.environ.get("MODSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
