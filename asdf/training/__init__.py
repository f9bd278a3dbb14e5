"""Training: optimiser and schedule, the epoch loop, checkpoints and resume."""
