"""Reading: YAML events → located data → the typed model → reviewer warnings; release snapshots."""
