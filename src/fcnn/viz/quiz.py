"""The lecture's Pop Quiz: five questions asked in the terminal, answered by the library.

``run_quiz()`` asks each question with its four options, reads an answer (a letter,
the option's number or words, in either language: ``c``, ``C.``, ``3072``,
``3072.0``, ``precision``, ``精准度``), says whether it is right, and explains the
answer with fcnn's own computation (the flattened CIFAR-10 image, the shape of a
linear classifier's W, the hinge loss of the lecture's model A, precision on a
small example, the parameters of an MLP). Input and output are streams, so the
quiz runs in a terminal, a notebook or a test alike.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np

from fcnn.data.cifar import IMAGE_SHAPE
from fcnn.engine import Tensor
from fcnn.metrics import precision_recall_f1
from fcnn.nn import MLP, hinge_loss
from fcnn.viz.i18n import LANGUAGES, check_language, language, tr
from fcnn.viz.text import Table

LETTERS = "ABCD"


@dataclass
class Question:
    """One quiz question: its text, four options, the right option and the library's reason."""

    number: int
    text: str
    options: list[str]
    answer: int                      # index into options
    explain: Callable[[], str]       # the library's computation, in the current language
    values: list[float | None] = field(default_factory=list)  # numeric options (else None)
    aliases: list[list[str]] = field(default_factory=list)  # each option in every language

    @property
    def answer_text(self) -> str:
        """E.g. ``"C. 3072"``."""
        return f"{LETTERS[self.answer]}. {self.options[self.answer]}"


def _number(text: str) -> float | None:
    """A number written in ``text`` (``-inf`` and ``-∞`` included), or None."""
    cleaned = text.replace("−", "-").replace("∞", "inf").replace(" ", "")
    if cleaned in ("-inf", "-infinity"):
        return -math.inf
    try:
        return float(cleaned)
    except ValueError:
        return None


def _explain_flatten() -> str:
    channels, height, width = IMAGE_SHAPE
    image = Tensor(np.zeros((1, channels, height, width), dtype=np.float32))
    flat = image.reshape(1, -1)
    return tr("quiz.q1.explain", c=channels, h=height, w=width, n=flat.shape[1])


def _explain_rows() -> str:
    weight = MLP(3072, [], 10, seed=0).layers[0].weight
    return tr("quiz.q2.explain", shape=tuple(weight.shape), rows=weight.shape[0])


def _explain_hinge() -> str:
    loss = float(hinge_loss(Tensor(np.array([[10.0, -2.0, -3.0]])), [0]).data)
    return tr("quiz.q3.explain", loss=f"{loss:g}")


def _explain_precision() -> str:
    y_true = [1, 1, 1, 1, 1, 0, 0, 0]
    y_pred = [1, 1, 1, 0, 0, 1, 0, 0]
    report = precision_recall_f1(y_true, y_pred, num_classes=2)
    return tr("quiz.q4.explain", y_true=y_true, y_pred=y_pred,
              precision=float(report.precision[1]), recall=float(report.recall[1]))


def _explain_bias() -> str:
    names = [name for name, _ in MLP(2, [3], 2, seed=0).named_parameters()]
    return tr("quiz.q5.explain", names=", ".join(names))


def questions() -> list[Question]:
    """The lecture's five Pop Quiz questions in the current language.

    Example:
        >>> [q.answer_text for q in questions()][:3]
        ['C. 3072', 'B. the number of classes', 'C. 0']
    """
    explain = [_explain_flatten, _explain_rows, _explain_hinge, _explain_precision,
               _explain_bias]
    answers = [2, 1, 2, 0, 3]
    result = []
    for number, (function, answer) in enumerate(zip(explain, answers), start=1):
        options = tr(f"quiz.q{number}.options").split("|")
        spelled = [tr(f"quiz.q{number}.options", lang).split("|") for lang in LANGUAGES]
        result.append(Question(number, tr(f"quiz.q{number}"), options, answer, function,
                               [_number(option) for option in options],
                               [list(words) for words in zip(*spelled)]))
    return result


_PUNCTUATION = " .。,，:：;；!！?？()（）\"'“”、"


def quiz_table() -> Table:
    """The five questions with their options, the lecture's answer and fcnn's explanation."""
    rows = []
    for q in questions():
        options = "  ".join(f"{letter}. {option}" for letter, option in zip(LETTERS, q.options))
        rows.append((str(q.number), f"{q.text}  {options}", q.answer_text, q.explain()))
    headers = (tr("quiz.number"), tr("quiz.question"), tr("quiz.answer"), tr("quiz.reason"))
    return Table(headers, rows)


def _normalise(text: str) -> str:
    """Full-width to ASCII, lower case, punctuation trimmed from both ends, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold().strip().strip(_PUNCTUATION)
    return re.sub(r"\s+", " ", text)


def parse_answer(text: str, question: Question) -> int | None:
    """The option ``text`` names (index 0-3), or None if it names none or several.

    Accepts a letter (``c``, ``C)``, ``Ｃ``), a number equal to a numeric option
    (``3072.0``, ``-∞``), or words of exactly one option in any language
    (``precision``, ``精准度``, ``偏置``).

    Example:
        >>> q = questions()[0]
        >>> [parse_answer(a, q) for a in ("c", " C. ", "3072.0", "Ｃ", "e", "30")]
        [2, 2, 2, 2, None, None]
    """
    answer = _normalise(text)
    if not answer:
        return None
    letter = re.fullmatch(r"([a-d])(?:[\s.)、:：].*)?", answer)
    if letter:
        return "abcd".index(letter.group(1))
    number = _number(answer)
    if number is not None:
        matches = [i for i, v in enumerate(question.values) if v is not None and v == number]
        return matches[0] if len(matches) == 1 else None
    matches = [i for i, words in enumerate(question.aliases or [[o] for o in question.options])
               if any(answer in _normalise(w) or _normalise(w) in answer for w in words)]
    return matches[0] if len(matches) == 1 else None


@dataclass
class QuizResult:
    """How the quiz went: the option chosen for each question (None: skipped)."""

    chosen: list[int | None]
    correct: list[bool]

    @property
    def score(self) -> int:
        return sum(self.correct)


def run_quiz(lang: str = "en", stdin: TextIO | None = None, stdout: TextIO | None = None,
             max_tries: int = 3) -> QuizResult:
    """Ask the five questions on ``stdin``/``stdout``; check, explain, and count the score.

    An empty answer skips a question (its answer is shown); an answer that names no
    single option is asked again (up to ``max_tries`` times); the end of the input
    skips the questions left.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> run_quiz("en", io.StringIO("3072\\nb\\n-1\\nprecision\\nD\\n"), out).score
        4
        >>> "Your score: 4 of 5" in out.getvalue()
        True
    """
    check_language(lang)
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    chosen: list[int | None] = []
    correct: list[bool] = []
    ended = False
    with language(lang):
        asked = questions()
        print(tr("quiz.intro", n=len(asked)), file=stdout)
        for question in asked:
            print(f"\n{question.number}. {question.text}", file=stdout)
            for letter, option in zip(LETTERS, question.options):
                print(f"   {letter}. {option}", file=stdout)
            choice = None
            for _ in range(max_tries if not ended else 0):
                print(tr("quiz.prompt"), end="", file=stdout, flush=True)
                line = stdin.readline()
                if not line:
                    ended = True
                    print(file=stdout)
                    break
                if not line.strip():
                    break
                choice = parse_answer(line, question)
                if choice is not None:
                    break
                print(tr("quiz.unreadable", answer=line.strip()), file=stdout)
            chosen.append(choice)
            correct.append(choice == question.answer)
            if choice is None:
                verdict = tr("quiz.skipped", answer=question.answer_text)
            elif choice == question.answer:
                verdict = tr("quiz.right", answer=question.answer_text)
            else:
                verdict = tr("quiz.wrong", answer=question.answer_text,
                             chosen=f"{LETTERS[choice]}. {question.options[choice]}")
            print(verdict, file=stdout)
            print(tr("quiz.why", explanation=question.explain()), file=stdout)
        print("\n" + tr("quiz.score", score=sum(correct), total=len(asked)), file=stdout)
    return QuizResult(chosen, correct)
