"""Readers: each turns one input format into plain records and reports problems with their place."""
