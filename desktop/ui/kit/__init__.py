"""The desktop module kit, Qt half: one table model, list view, record form, page and undo
history, built from the declarations in desktop/core (see desktop/core/kit/entity.py)."""
