"""Judicial records registry (Cơ sở dữ liệu lý lịch tư pháp): a conviction flag only."""
