"""Hostile: raises KeyboardInterrupt at import, as if the grader had been interrupted."""
raise KeyboardInterrupt
