"""Item analysis of a quiz: facility, discrimination and the answer distribution of each question,
and its CSV.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from lms import csvio
from lms.extensions import db
from lms.quizzes import question_types as qt
from lms.quizzes.models import Attempt, AttemptAnswer, AttemptQuestion, AttemptState, Quiz, QuizGrade


@dataclass
class OptionStat:
    label: str
    count: int
    correct: bool


@dataclass
class ItemStat:
    key: str
    title: str
    qtype: str
    attempts: int
    facility: float | None
    discrimination: float | None
    options: list[OptionStat]
    blank: int


@dataclass
class ItemAnalysis:
    attempts: int
    group_size: int
    items: list[ItemStat]


def item_analysis(quiz: Quiz) -> ItemAnalysis:
    """Facility, discrimination (upper and lower 27% by total score) and option counts per question.

    Uses each learner's attempt that counts; three queries whatever the class size."""
    counted = db.session.execute(
        select(Attempt.id, Attempt.percent)
        .join(QuizGrade, QuizGrade.attempt_id == Attempt.id)
        .where(QuizGrade.quiz_id == quiz.id, Attempt.state == AttemptState.GRADED)
    ).all()
    totals = {row.id: row.percent or 0.0 for row in counted}
    n = len(totals)
    if not n:
        return ItemAnalysis(0, 0, [])
    ranked = sorted(totals, key=lambda a: (totals[a], a))
    size = max(1, round(0.27 * n))
    lower, upper = set(ranked[:size]), set(ranked[-size:])
    aqs = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(list(totals)))
    ).all()
    answers = {
        a.attempt_question_id: a.response
        for a in db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(list(totals))))
    }
    groups: dict[str, list[AttemptQuestion]] = defaultdict(list)
    for aq in aqs:
        groups[str(aq.question_id) if aq.question_id else f"p{aq.position}:{aq.title}"].append(aq)
    items = []
    for key, rows in groups.items():
        sample = rows[0]
        kind = qt.get_type(sample.qtype)
        fractions = [aq.fraction for aq in rows if aq.fraction is not None]
        facility = sum(fractions) / len(fractions) if fractions else None
        up = [aq.fraction for aq in rows if aq.attempt_id in upper and aq.fraction is not None]
        low = [aq.fraction for aq in rows if aq.attempt_id in lower and aq.fraction is not None]
        discrimination = (sum(up) / len(up) - sum(low) / len(low)) if up and low and n >= 2 else None
        counter: Counter = Counter()
        blank = 0
        for aq in rows:
            keys = kind.analysis_keys(aq.data, answers.get(aq.id))
            if not keys:
                blank += 1
            counter.update(keys)
        options = _option_stats(sample, counter)
        items.append(
            ItemStat(key, sample.title, sample.qtype, len(rows), facility, discrimination, options, blank)
        )
    items.sort(key=lambda item: min(aq.position for aq in groups[item.key]))
    return ItemAnalysis(n, size, items)


def _option_stats(sample: AttemptQuestion, counter: Counter) -> list[OptionStat]:
    return [OptionStat(*row) for row in qt.get_type(sample.qtype).analysis_options(sample.data, counter)]


ITEM_ANALYSIS_COLUMNS = (
    "no",
    "judul",
    "jenis",
    "jumlah_percobaan",
    "indeks_kesukaran",
    "indeks_daya_beda",
    "kosong",
    "distribusi_jawaban",
)


def item_analysis_csv(quiz: Quiz, analysis: ItemAnalysis) -> str:
    """The item analysis as CSV text (``lms.csvio``: formula-safe cells, indices to three
    decimals), without the byte order mark that the download puts in front."""
    rows = [
        [
            number,
            item.title,
            str(qt.get_type(item.qtype).label),
            item.attempts,
            None if item.facility is None else round(item.facility, 3),
            None if item.discrimination is None else round(item.discrimination, 3),
            item.blank,
            " | ".join(f"{'*' if o.correct else ''}{o.label}: {o.count}" for o in item.options),
        ]
        for number, item in enumerate(analysis.items, start=1)
    ]
    return csvio.to_text(ITEM_ANALYSIS_COLUMNS, rows).removeprefix("\ufeff")
