"""Broken: raises an exception at import, before any function is defined."""
raise RuntimeError("hostile corpus: raised at import")
