"""Renderers of an AsyncAPI document for people: Markdown and a self-contained HTML page.

Both draw the same view of the document (`_view`), so they show the same things.
"""

from __future__ import annotations

from ._html import CONTENT_SECURITY_POLICY, to_html
from ._markdown import to_markdown
from ._try_it import content_security_policy

__all__ = ["CONTENT_SECURITY_POLICY", "content_security_policy", "to_html", "to_markdown"]
