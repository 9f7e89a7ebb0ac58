"""The desktop module kit, Qt-free half: list projections, field and column declarations, lookups.

A module of the desktop is one ``Entity`` declaration (desktop/core/<module>.py);
the UI kit (desktop/ui/kit/) builds its list, form, page, Compare texts and
Ctrl+K results from it. See docs/architecture.md, "Desktop module kit".
"""
