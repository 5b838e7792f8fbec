"""Every state change of Let's Talk, split by sub-domain: threads, comments,
reactions, ideas, following, moderation. `live` builds the event payloads."""
