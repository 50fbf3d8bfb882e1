"""Helpers for the browser and HTML-validity tests: build the sample, serve it, find tools."""
