"""Spiders for sources published in Guangdong (广东, ISO 3166-2:CN-GD)."""
