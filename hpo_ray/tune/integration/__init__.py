"""`ray.tune.integration.*` → asktell's framework integrations (each imports its framework on use)."""
