"""Renderers of an AsyncAPI document for people: Markdown and a self-contained HTML page.

Both draw the same view of the document (`_view`), so they show the same things.
"""

from __future__ import annotations

from ._html import CONTENT_SECURITY_POLICY, to_html
from ._markdown import to_markdown

__all__ = ["CONTENT_SECURITY_POLICY", "to_html", "to_markdown"]
