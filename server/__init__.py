"""Tandem (同行): the API server."""
