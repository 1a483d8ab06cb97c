"""Source plug-ins: one module per source, each with `collect` and `parse`."""
