"""Printable documents: one renderer that the server's PDF endpoint and the desktop's Print use.

Pure Python (fpdf2, babel), importing neither server nor desktop; the fonts it
embeds ship inside this package (``fonts/``: DejaVu Sans, which covers Latin,
Cyrillic and Greek), so a PDF renders the same on any machine.
"""

from common.documents.invoice_pdf import Company, money, render_invoice

__all__ = ["Company", "money", "render_invoice"]
