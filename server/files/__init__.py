"""Files attached to records (spec: Files): streamed uploads, content-addressed storage."""
