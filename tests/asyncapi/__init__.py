"""Tests of the message docs: the AsyncAPI document, its renderings, serving, the command line, TypeScript."""
