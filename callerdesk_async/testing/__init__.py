"""Helpers for testing code that uses callerdesk_async: a pytest plugin and payload factories."""
