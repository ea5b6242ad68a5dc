import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from motcua.core import site
from motcua.core.files import write_private

DEMO_CATALOG = Path(__file__).resolve().parents[3] / "catalog" / "fixtures" / "demo_procedures.json"


class Command(BaseCommand):
    help = "Load the demo data: units and agencies, the demo catalog, a demo administrator."

    def handle(self, *args: object, **options: object) -> None:
        call_command("load_units", stdout=self.stdout)
        call_command("import_procedures", str(DEMO_CATALOG), stdout=self.stdout)
        call_command("import_forms", DEMO_CATALOG.parents[2] / "eforms/fixtures/demo_forms.json")
        self._exchange_access()
        self._demo_admin()
        call_command("setup_oidc_clients", stdout=self.stdout)
        self._demo_subjects()
        call_command("load_demo_workflow", stdout=self.stdout)  # processes, demo officials
        from motcua.results.services import ensure_demo_ca

        self.stdout.write(f"CA ký số demo / demo signing CA: {ensure_demo_ca()}")

    def _exchange_access(self) -> None:
        """The data owners' declared grants (exchange/grants.toml), applied once per version."""
        call_command("exchange_load_grants", stdout=self.stdout)

    def _demo_subjects(self) -> None:
        """Citizens, a business and an official who log in with ID + password + TOTP."""
        from motcua.demo.subjects import ensure_demo_subjects

        path = ensure_demo_subjects()
        self.stdout.write(
            f"Chủ thể demo / demo subjects: mật khẩu tại {path}; "
            f"mã xác thực tại {site.absolute('/dien-thoai/')}<số định danh>/"
        )

    def _demo_admin(self) -> None:
        """A local administrator whose password is generated once and kept in var/ (0600). The
        admin is reached only through the provider's login, with the code of its authenticator
        (shown at /dien-thoai/admin/ in development), at level 2."""
        import pyotp

        path = Path(settings.VAR_DIR) / "demo-admin.txt"
        user_model = get_user_model()
        existing = user_model.objects.filter(username="admin").first()
        if path.exists() and existing is not None and existing.totp_secret:
            return
        password = secrets.token_urlsafe(12)
        user, _ = user_model.objects.get_or_create(username="admin", defaults={"kind": "system"})
        user.is_staff = user.is_superuser = True
        user.assurance_level = 2
        user.totp_secret = user.totp_secret or pyotp.random_base32()
        user.set_password(password)
        user.save()
        write_private(path, f"username: admin\npassword: {password}\n")
        self.stdout.write(f"Tài khoản quản trị demo: admin / {password} (lưu tại {path})")
