"""Electronic civil status registry (Cơ sở dữ liệu hộ tịch điện tử)."""
