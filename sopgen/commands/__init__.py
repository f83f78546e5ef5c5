"""Commands: what the CLI runs (build, release, check, publish, serve, scaffold, schema),
each over the stages before it."""
