"""Sign-in: credentials, refresh-token sessions, login throttling."""
