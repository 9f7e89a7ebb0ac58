"""The customers screens: list, form and the page that joins them."""
