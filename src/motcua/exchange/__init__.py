"""The data-exchange layer (nền tảng chia sẻ, tích hợp dữ liệu): who may call which registry
service for which purpose, citizens' consent, and a signed, hash-chained log of every call."""
