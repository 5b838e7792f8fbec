"""Every state change of Ask Leadership, split by sub-domain: questions,
votes, answers, moderation, sessions. `publishing` shapes the live events."""
