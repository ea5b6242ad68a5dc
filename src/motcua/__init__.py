"""MotCua: a national single window for online public services."""
