"""The project's authored files: where they live, what role each plays, and loading them once,
strictly (the `syntax` stage), within the size and nesting limits."""
