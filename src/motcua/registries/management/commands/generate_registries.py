from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.errors import DomainError
from motcua.registries import generator


class Command(BaseCommand):
    help = (
        "Sinh dữ liệu mẫu nhất quán cho các CSDL quốc gia (Faker vi_VN), theo lô, có thể chạy "
        "tiếp khi bị ngắt. Generate consistent synthetic registry data; resumable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--defects", type=float, default=0.0, help="share per rule, 0.02")
        parser.add_argument("--batch", type=int, default=10_000)
        parser.add_argument("--max-batches", type=int, default=None, help="stop after k batches")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = generator.generate(
                options["people"],
                seed=options["seed"],
                defect_rate=options["defects"],
                batch_size=options["batch"],
                max_batches=options["max_batches"],
                progress=not options["no_progress"],
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        state = "xong (done)" if run.finished_at else "tạm dừng (paused, run again to resume)"
        self.stdout.write(f"{run.next_batch}/{run.batches} lô — {state}")
