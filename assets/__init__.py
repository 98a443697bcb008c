"""Bundled data: the sample article and the app stylesheet (installed as reader.assets)."""
