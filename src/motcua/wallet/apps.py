from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "motcua.wallet"
    label = "wallet"
    verbose_name = "Ví giấy tờ và hộp thư"
