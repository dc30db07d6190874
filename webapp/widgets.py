"""Form widgets shared by the areas.

``FastSelect`` renders the same ``<select>`` as WTForms' own widget, with a quicker option
renderer: a list page's filters have dozens of options (languages, themes), and WTForms
builds each option's attributes through a generic, slow path (and inspects the renderer's
signature on every render).
"""
from __future__ import annotations

from markupsafe import Markup
from wtforms.widgets import Select


_OPTION = Markup('<option%s value="%s">%s</option>')


class FastSelect(Select):
    """A ``Select`` whose plain options (no extra attributes) are rendered directly."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        # Markup's % escapes every argument (the value and the label are data)
        return _OPTION % (" selected" if choice.selected else "", value,
                          choice.label or choice.value)

    @classmethod
    def _dispatch_render_option(cls):
        # WTForms inspects render_option's signature on every render to support older
        # overrides; ours has the current one.
        return cls.render_option
