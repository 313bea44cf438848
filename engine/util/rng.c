/* rng.c — counter-based random streams keyed by (seed, replicate, purpose, ...) (owner: model). */
