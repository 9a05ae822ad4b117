"""Talking to other systems: signed outgoing webhooks (delivered only to allowed addresses) and Coral Talk's
external moderation phase."""
