"""One exception hierarchy; the CLI maps each kind to its documented exit code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    Attributes
    ----------
    source
        The file (or URL) the problem is in.
    message
        What is wrong, echoing the value received.
    layer
        The layer or table name, where the source has several.
    row
        The row's id (parcel or project id), or its 1-based row number.
    field
        The field (column) or scenario key path.
    fix
        What the user should do about it.
    """

    source: str
    message: str
    layer: str | None = None
    row: str | None = None
    field: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.layer:
            where.append(f"layer {self.layer}")
        if self.row:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field}")
        text = f"{', '.join(where)}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text


class LandplanError(Exception):
    """Base of every error landplan raises on purpose."""

    exit_code = 1


class InputError(LandplanError, ValueError):
    """Bad input: a scenario, layer or table. Carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InfeasibleError(LandplanError):
    """No plan satisfies the must-place projects, the budget or locked parcels.

    ``zh`` says the same in Chinese, for a page in Chinese (a sweep's failed point);
    ``str()`` is the English, for the command line and logs."""

    exit_code = 3

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh or message


class SolverError(LandplanError):
    """The solver failed or returned no usable solution."""

    exit_code = 3


class OutputError(LandplanError):
    """The results could not be written (a full disk, a database that refused the write).

    Not bad input: the run itself succeeded. Nothing was changed where the results
    were to go (the output folder and the database tables are as they were).
    """

    exit_code = 4


class ProblemLog:
    """Collects problems during a stage so they can be reported together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, source: str, message: str, **where: str | None) -> None:
        self.problems.append(Problem(str(source), message, **where))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)
