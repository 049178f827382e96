"""Files that run inside the sandbox (copied into the runtime tree); the grader never imports them."""
