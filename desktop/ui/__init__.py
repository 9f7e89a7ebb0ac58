"""The PySide6 user interface; desktop/core holds everything that does not need Qt."""
