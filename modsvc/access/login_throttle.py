"""Sign-in throttling per account and per address, so guessing is slowed without locking anyone out.

Three moving-window limits count *failed* sign-ins (a success costs nothing):

* one account from one address, PER_ACCOUNT_AT_ADDRESS (5 in 15 minutes): someone guessing one account's
  password from one machine (or its owner mistyping; a success clears this count);
* one address over any accounts, PER_ADDRESS (30 in 15 minutes): one machine spraying passwords over many
  accounts. Looser, so that colleagues behind one NAT address do not lock each other out;
* one account from unfamiliar addresses, PER_ACCOUNT_FROM_NEW_ADDRESSES (10 in 15 minutes): guessing spread
  over many addresses. An address the account signed in from in the last 30 days is familiar and exempt from
  this limit, so an attacker can slow down guesses at a known admin's account but cannot lock her out of it
  from the places she works from. The price: from a new address she may have to wait out the window.

Behind a reverse proxy every request comes from the proxy's address unless ``MODSVC_TRUSTED_PROXIES`` says how
many proxies to trust; set it, or the per-address limit applies to everyone at once.

Counts live in the storage of the API rate limiter (Flask-Limiter's, from the ``limits`` library): Redis when
``MODSVC_REDIS_URL`` is set, shared by every web process, else this process's memory. While Redis is
unreachable they are counted in this process's memory, rather than letting sign-ins through unthrottled.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

PER_ACCOUNT_AT_ADDRESS = parse("5 per 15 minutes")
PER_ADDRESS = parse("30 per 15 minutes")
PER_ACCOUNT_FROM_NEW_ADDRESSES = parse("10 per 15 minutes")


@dataclass(frozen=True, slots=True)
class Attempt:
    account: str  # the user name as typed; case does not matter
    address: str  # the client's address
    familiar: bool  # the account signed in successfully from this address lately


def _digest(*parts: str) -> str:
    # Keys name no user and no address in plain text (Redis may be shared), and stay a fixed, safe shape.
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


class LoginThrottle:
    def __init__(self, storage: Storage | None = None, prefix: str = "modsvc") -> None:
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared = MovingWindowRateLimiter(storage) if storage is not None else self._local
        self._prefix = prefix

    def _limits(self, attempt: Attempt) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        account = attempt.account.strip().lower()
        limits = [(PER_ACCOUNT_AT_ADDRESS, (self._prefix, "login-account-address", _digest(account, attempt.address))),
                  (PER_ADDRESS, (self._prefix, "login-address", _digest(attempt.address)))]
        if not attempt.familiar:
            limits.append((PER_ACCOUNT_FROM_NEW_ADDRESSES, (self._prefix, "login-account", _digest(account))))
        return limits

    def _each(self, attempt: Attempt, action):
        try:
            return [action(self._shared, item, ids) for item, ids in self._limits(attempt)]
        except Exception as exc:  # Redis away: count in this process meanwhile
            log.warning("sign-in throttle: shared storage unavailable (%s); counting in this process", exc)
            return [action(self._local, item, ids) for item, ids in self._limits(attempt)]

    def retry_after(self, attempt: Attempt) -> int:
        """Seconds until this attempt may be made (0: now)."""
        def wait(limiter, item, ids):
            if limiter.test(item, *ids):
                return 0
            return max(1, math.ceil(limiter.get_window_stats(item, *ids).reset_time - time.time()))

        return max(self._each(attempt, wait), default=0)

    def failed(self, attempt: Attempt) -> None:
        self._each(attempt, lambda limiter, item, ids: limiter.hit(item, *ids))

    def succeeded(self, attempt: Attempt) -> None:
        # Only the account-at-address count: a good sign-in must not wipe an address's failures at other
        # accounts, nor other addresses' failures at this one (an attacker with an account could reset them).
        item, ids = self._limits(attempt)[0]
        self._local.clear(item, *ids)
        try:
            self._shared.clear(item, *ids)
        except Exception as exc:
            log.warning("sign-in throttle: shared storage unavailable (%s)", exc)
