"""Pictures of the lecture, from the real engine: graphs, templates, boundaries, curves."""
