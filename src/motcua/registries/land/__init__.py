"""Land registry (Cơ sở dữ liệu đất đai)."""
