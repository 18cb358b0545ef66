"""Spiders for sources published in Zhejiang (浙江, ISO 3166-2:CN-ZJ)."""
