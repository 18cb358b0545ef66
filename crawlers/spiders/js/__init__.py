"""Spiders for sources published in Jiangsu (江苏, ISO 3166-2:CN-JS)."""
