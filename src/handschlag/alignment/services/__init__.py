"""Writes of marketing and sales: surveys, marketing (materials, campaigns, feedback), ICP, exchanges."""
