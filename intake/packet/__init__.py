"""Writing the packet the second provider receives (rendering only, no understanding)."""
