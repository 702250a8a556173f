"""Tests of the core modules: type introspection, codecs, the close policy."""
