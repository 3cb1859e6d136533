"""Tests of callerdesk_async.webhooks."""
