"""qari core: article model, segmentation, translation, summary, export. Never imports Textual."""
