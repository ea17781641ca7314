"""Modules, layers, models and optimizers on top of `autograd` (arrives with the nn issue)."""
