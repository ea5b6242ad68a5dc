"""Population registry (Cơ sở dữ liệu quốc gia về dân cư)."""
