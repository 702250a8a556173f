"""Tests of the hub: topics, streams, subscriptions, forwarding, over memory:// and a real Redis server."""
