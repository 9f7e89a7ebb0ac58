"""The PySide6 desktop app. Its ``core`` package never imports Qt."""
