"""Scoring the NLU against a labelled JSON Lines file (``python -m bot nlu-eval FILE [--json]``).

Each line: ``{"text": "...", "intent": "jadwal", "kecamatan": "Pondok Aren"}`` (``kecamatan``
optional, the official name). The report follows ``rasa test nlu``: accuracy, a per-intent
precision/recall/F1 table, the most confused pairs, the misclassified lines, and kecamatan accuracy
over the lines that name one.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.nlu.analyzer import Analyzer
from bot.nlu.intents import INTENTS


class EvalFileError(ValueError):
    """The evaluation file is missing or a line is not valid."""


@dataclass(frozen=True, slots=True)
class EvalCase:
    line: int
    text: str
    intent: str
    kecamatan: str | None


@dataclass(frozen=True, slots=True)
class Miss:
    line: int
    text: str
    expected: str
    predicted: str
    confidence: float


@dataclass
class EvalReport:
    n: int = 0
    correct: int = 0
    kecamatan_n: int = 0
    kecamatan_correct: int = 0
    unsure: int = 0
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    misclassified: list[Miss] = field(default_factory=list)
    kecamatan_misses: list[tuple[int, str, str, str | None]] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def kecamatan_accuracy(self) -> float:
        return self.kecamatan_correct / self.kecamatan_n if self.kecamatan_n else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "intent_accuracy": round(self.intent_accuracy, 4),
            "kecamatan_n": self.kecamatan_n,
            "kecamatan_accuracy": round(self.kecamatan_accuracy, 4),
            "unsure": self.unsure,
            "per_intent": self.per_intent,
            "confusions": [
                {"expected": e, "predicted": p, "count": c} for e, p, c in self.confusions
            ],
            "misclassified": [
                {
                    "line": m.line,
                    "text": m.text,
                    "expected": m.expected,
                    "predicted": m.predicted,
                    "confidence": m.confidence,
                }
                for m in self.misclassified
            ],
            "kecamatan_misses": [
                {"line": line, "text": text, "expected": exp, "predicted": got}
                for line, text, exp, got in self.kecamatan_misses
            ],
        }


def read_cases(path_or_lines: str | Path | Iterable[str] | Iterable[EvalCase]) -> list[EvalCase]:
    """Parse the JSON Lines; raise :class:`EvalFileError` naming the first bad line."""
    if not isinstance(path_or_lines, (str, Path)):
        items = list(path_or_lines)
        if all(isinstance(i, EvalCase) for i in items):
            return [i for i in items if isinstance(i, EvalCase)]
        path_or_lines = [str(i) for i in items]
    if isinstance(path_or_lines, (str, Path)):
        try:
            lines: Iterable[str] = Path(path_or_lines).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise EvalFileError(f"cannot read {path_or_lines}: {exc}") from exc
    else:
        lines = path_or_lines
    cases: list[EvalCase] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(item, dict):
            raise EvalFileError(f"line {number}: expected a JSON object")
        text, intent, kec = item.get("text"), item.get("intent"), item.get("kecamatan")
        if not isinstance(text, str):
            raise EvalFileError(f"line {number}: 'text' must be a string")
        if intent not in INTENTS:
            raise EvalFileError(f"line {number}: unknown intent {intent!r}")
        if kec is not None and not isinstance(kec, str):
            raise EvalFileError(f"line {number}: 'kecamatan' must be a string")
        cases.append(EvalCase(number, text, intent, kec or None))
    return cases


def evaluate(
    analyzer: Analyzer,
    path_or_lines: str | Path | Iterable[str] | Iterable[EvalCase],
    today: date | None = None,
) -> EvalReport:
    """Run every line through ``analyzer``; a path, an iterable of JSON lines or parsed cases."""
    cases = read_cases(path_or_lines)
    today = today or date.today()
    report = EvalReport()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    support: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for case in cases:
        result = analyzer.analyze(case.text, today=today)
        report.n += 1
        support[case.intent] += 1
        report.unsure += int(result.unsure)
        if result.intent == case.intent:
            report.correct += 1
            tp[case.intent] += 1
        else:
            fp[result.intent] += 1
            fn[case.intent] += 1
            pairs[(case.intent, result.intent)] += 1
            report.misclassified.append(
                Miss(case.line, case.text, case.intent, result.intent, result.confidence)
            )
        if case.kecamatan is not None:
            report.kecamatan_n += 1
            got = result.kecamatan.name if result.kecamatan else None
            if got is not None and got.casefold() == case.kecamatan.casefold():
                report.kecamatan_correct += 1
            else:
                report.kecamatan_misses.append((case.line, case.text, case.kecamatan, got))
    for intent in INTENTS:
        if not (support[intent] or fp[intent]):
            continue
        p = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        r = tp[intent] / support[intent] if support[intent] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        report.per_intent[intent] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "support": support[intent],
        }
    report.confusions = [(e, p, c) for (e, p), c in pairs.most_common()]
    return report


def format_report(report: EvalReport) -> str:
    lines = [
        f"Intent accuracy: {report.intent_accuracy:.2%} ({report.correct}/{report.n})",
        f"Kecamatan accuracy: {report.kecamatan_accuracy:.2%} "
        f"({report.kecamatan_correct}/{report.kecamatan_n} lines naming one)",
        f"Marked unsure: {report.unsure}/{report.n}",
        "",
        f"{'intent':<14}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}",
    ]
    for intent, row in report.per_intent.items():
        lines.append(
            f"{intent:<14}{row['precision']:>10.2f}{row['recall']:>8.2f}{row['f1']:>8.2f}"
            f"{int(row['support']):>9d}"
        )
    if report.confusions:
        lines += ["", "Most confused (expected -> predicted):"]
        lines += [f"  {e} -> {p}: {c}" for e, p, c in report.confusions[:10]]
    if report.misclassified:
        lines += ["", "Misclassified:"]
        lines += [
            f"  line {m.line}: {m.text!r} expected {m.expected}, got {m.predicted} "
            f"({m.confidence:.2f})"
            for m in report.misclassified
        ]
    if report.kecamatan_misses:
        lines += ["", "Kecamatan misses:"]
        lines += [
            f"  line {line}: {text!r} expected {exp}, got {got or '-'}"
            for line, text, exp, got in report.kecamatan_misses
        ]
    return "\n".join(lines)


def run_nlu_eval(path: str, as_json: bool = False, out: TextIO = sys.stdout) -> int:
    """CLI body: 0 after printing the report, 2 with a one-line error for a missing or bad file.

    The error line goes to stderr when the report would go to stdout, otherwise to ``out``.
    """
    try:
        cases = read_cases(path)
    except EvalFileError as exc:
        print(f"nlu-eval: {exc}", file=sys.stderr if out is sys.stdout else out)
        return 2
    report = evaluate(Analyzer.load(), cases)
    if as_json:
        out.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(format_report(report) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.nlu.evaluate FILE [--json]`` (the same as ``python -m bot nlu-eval``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    paths = [a for a in args if a != "--json"]
    if len(paths) != 1:
        print("usage: python -m bot.nlu.evaluate FILE [--json]", file=sys.stderr)
        return 2
    return run_nlu_eval(paths[0], as_json)


if __name__ == "__main__":
    sys.exit(main())
