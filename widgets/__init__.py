"""Textual widgets and screens for the qari reader."""
