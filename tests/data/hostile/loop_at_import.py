"""Hostile: an endless loop at import; loading never finishes."""
while True:
    pass
