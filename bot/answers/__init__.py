"""Answers: parse questions like "cheapest for 1M tokens?", rank prices, compute costs. Pure."""
