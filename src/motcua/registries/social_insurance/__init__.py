"""Social insurance registry (Cơ sở dữ liệu về bảo hiểm)."""
