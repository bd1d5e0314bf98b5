"""Reading and writing the xlsx files officials keep: Chinese headers, row-level errors.

Every importer reports each bad cell as (row number, column, reason in Chinese and English)
and loads nothing unless every row is good.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from jifen.core.errors import InvalidInput


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header an official writes
    header_en: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 14

    def names(self) -> set[str]:
        names = {self.header, *self.aliases}
        if self.header_en:
            names.add(self.header_en)
        return {n.strip().lower() for n in names}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行 / row {self.row}" if self.row else "文件 / file"
        col = f"「{self.column}」" if self.column else ""
        return f"{where} {col}: {self.zh} / {self.en}"


@dataclass
class ImportReport:
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, column: str, zh: str, en: str) -> None:
        self.errors.append(RowError(row, column, zh, en))

    def render(self) -> str:
        lines = []
        if self.errors:
            lines.append(
                f"导入失败，未写入任何数据：{len(self.errors)} 处错误 / import refused, nothing written: "
                f"{len(self.errors)} error(s)"
            )
            lines.extend(f"  {error}" for error in self.errors)
        else:
            mode = "试导入（未写入）/ dry run (nothing written)" if self.dry_run else "导入完成 / imported"
            lines.append(
                f"{mode}: {self.rows} 行/rows — 新增/created {self.created}, 更新/updated {self.updated}, "
                f"未变/unchanged {self.unchanged}"
            )
        lines.extend(f"  注意 / note: {w}" for w in self.warnings)
        return "\n".join(lines)


class DryRunRollback(Exception):
    """Raised inside an import transaction to roll back a dry run."""


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_rows(
    source: Path | str | IO[bytes], columns: Sequence[Column], report: ImportReport
) -> list[tuple[int, dict[str, str]]]:
    """Rows of the first sheet as {key: text}, keyed by header; problems go into `report`."""
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            f"无法读取 Excel 文件（需要 .xlsx 格式）：{exc}",
            f"cannot read the Excel file (an .xlsx is needed): {exc}",
            code="bad_file",
        ) from None
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    header_row = next(rows_iter, None)
    if header_row is None:
        report.add_error(1, "", "文件是空的", "the file is empty")
        return []
    by_name = {name: col for col in columns for name in col.names()}
    positions: dict[int, Column] = {}
    for index, raw in enumerate(header_row):
        name = cell_text(raw).lower()
        if not name:
            continue
        col = by_name.get(name)
        if col is None:
            report.warnings.append(f"未识别的列「{cell_text(raw)}」已忽略 / unknown column {cell_text(raw)!r} ignored")
        else:
            positions[index] = col
    present = {col.key for col in positions.values()}
    for col in columns:
        if col.required and col.key not in present:
            report.add_error(1, col.header, "缺少必填列", "required column is missing")
    result = []
    for row_number, values in enumerate(rows_iter, start=2):
        record = {col.key: "" for col in columns}
        for index, col in positions.items():
            if index < len(values):
                record[col.key] = cell_text(values[index])
        if not any(record.values()):
            continue
        result.append((row_number, record))
    workbook.close()
    return result


def write_workbook(
    destination: Path | str | IO[bytes],
    sheets: Iterable[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]],
) -> None:
    """Write one or more sheets with bold Chinese headers and sensible column widths."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="FFF2CC")
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([col.header for col in columns])
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
        for row in rows:
            sheet.append(list(row))
        for index, col in enumerate(columns, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = col.width
        sheet.freeze_panes = "A2"
    workbook.save(destination)
