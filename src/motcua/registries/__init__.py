"""National databases (cơ sở dữ liệu quốc gia): one module per registry, each with its own
tables, data services and data-quality rules, registered under a stable id."""
