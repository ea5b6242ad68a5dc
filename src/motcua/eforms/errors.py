"""Errors of the eforms app: dossier data that does not fit its form, and form definitions
that cannot be imported."""

from __future__ import annotations

from motcua.core.errors import InvalidInput

_SHOWN = 3


class FormInvalid(InvalidInput):
    """The dossier data does not fit the form: `errors` maps each path (`applicant.full_name`,
    `residences[0].from_date`, `""` for the whole document) to a Vietnamese message."""

    code = "form-invalid"
    title = "Biểu mẫu chưa hợp lệ"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        shown = "; ".join(
            f"{path or 'biểu mẫu'}: {msg}" for path, msg in list(errors.items())[:_SHOWN]
        )
        more = f" (và {len(errors) - _SHOWN} lỗi khác)" if len(errors) > _SHOWN else ""
        super().__init__(f"Biểu mẫu có {len(errors)} lỗi: {shown}{more}.", errors=self.errors)


class FormImportError(InvalidInput):
    """A form file or definition was refused; `errors` are `<procedure>: <JSON path>: reason`
    lines. Nothing was written."""

    code = "form-import-invalid"
    title = "Định nghĩa biểu mẫu không hợp lệ"

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(
            f"{len(errors)} lỗi trong định nghĩa biểu mẫu; không ghi biểu mẫu nào: "
            + "; ".join(errors[:_SHOWN]),
            errors=self.errors,
        )
