"""Who may do what: reviewer accounts and sessions, sign-in throttling, API keys with their daily quotas, and sites
(the tenants an API key is bound to)."""
